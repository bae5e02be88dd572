/* control-server.c
 *
 * Copyright 2026 The Guesthouse developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 */

#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "control-commands.h"
#include "control-server.h"

#define CONTROL_MAX_LINE     (64 * 1024)
#define CONTROL_MAX_PENDING  (1024 * 1024)  /* unread replies and events per client */

typedef struct ControlClient ControlClient;

struct ControlClient
{
  ControlServer  *server;
  ControlClient  *next;
  int             fd;
  EventLoopWatch *watch;
  char           *in;
  size_t          in_len;
  char           *out;
  size_t          out_len;
  size_t          out_sent;
  bool            closing;   /* refused: input is discarded until the peer closes */
};

struct ControlServer
{
  Vmm            *vmm;
  EventLoop      *loop;
  char           *path;
  int             listen_fd;
  EventLoopWatch *listen_watch;
  ControlClient  *clients;
};

static void
control_client_free (ControlClient *client)
{
  ControlClient **link = &client->server->clients;

  while (*link != client)
    link = &(*link)->next;
  *link = client->next;
  event_loop_remove (client->server->loop, client->watch);
  close (client->fd);
  free (client->in);
  free (client->out);
  free (client);
}

static void
control_client_update_watch (ControlClient *client)
{
  uint32_t events = EPOLLIN;

  if (client->out_sent < client->out_len)
    events |= EPOLLOUT;
  event_loop_modify (client->server->loop, client->watch, events);
}

static bool
control_client_flush (ControlClient *client)
{
  while (client->out_sent < client->out_len)
    {
      ssize_t n = send (client->fd, client->out + client->out_sent,
                        client->out_len - client->out_sent, MSG_NOSIGNAL | MSG_DONTWAIT);
      if (n < 0 && errno == EINTR)
        continue;
      if (n < 0 && errno == EAGAIN)
        break;
      if (n <= 0)
        return false;
      client->out_sent += n;
    }
  if (client->out_sent == client->out_len)
    {
      client->out_len = client->out_sent = 0;
      if (client->closing && shutdown (client->fd, SHUT_WR) < 0)
        return false;
    }
  control_client_update_watch (client);
  return true;
}

/* Queues one JSON line. A client that stops reading is dropped before its
 * backlog can grow without bound; nobody else waits for it. */
static bool
control_client_send (ControlClient *client,
                     json_object   *message)
{
  const char *text = json_object_to_json_string_ext (message, JSON_C_TO_STRING_PLAIN);
  size_t len = strlen (text);
  char *grown;

  if (client->out_len + len + 1 > CONTROL_MAX_PENDING)
    return false;
  grown = realloc (client->out, client->out_len + len + 1);
  if (grown == NULL)
    return false;
  client->out = grown;
  memcpy (client->out + client->out_len, text, len);
  client->out[client->out_len + len] = '\n';
  client->out_len += len + 1;
  return control_client_flush (client);
}

static json_object *
control_error_new (const char *error_class,
                   const char *desc)
{
  json_object *reply = json_object_new_object ();
  json_object *error = json_object_new_object ();

  json_object_object_add (error, "class", json_object_new_string (error_class));
  json_object_object_add (error, "desc", json_object_new_string (desc));
  json_object_object_add (reply, "error", error);
  return reply;
}

static json_object *
control_dispatch (ControlServer *server,
                  json_object   *request)
{
  json_object *execute, *arguments = NULL, *result;
  const ControlCommand *command;
  ControlError error = { NULL, "" };
  char desc[300];

  if (!json_object_is_type (request, json_type_object)
      || !json_object_object_get_ex (request, "execute", &execute)
      || !json_object_is_type (execute, json_type_string))
    return control_error_new ("GenericError",
                              "a command is an object with an \"execute\" string");
  if (json_object_object_get_ex (request, "arguments", &arguments)
      && !json_object_is_type (arguments, json_type_object))
    return control_error_new ("InvalidArgument", "\"arguments\" must be an object");

  command = control_command_find (json_object_get_string (execute));
  if (command == NULL)
    {
      snprintf (desc, sizeof desc, "the command \"%.200s\" does not exist",
                json_object_get_string (execute));
      return control_error_new ("CommandNotFound", desc);
    }

  result = command->func (server->vmm, arguments, &error);
  if (error.error_class != NULL)
    {
      json_object_put (result);
      return control_error_new (error.error_class, error.desc);
    }
  {
    json_object *reply = json_object_new_object ();
    json_object_object_add (reply, "return", result ? result : json_object_new_object ());
    return reply;
  }
}

static bool
control_client_handle_line (ControlClient *client,
                            const char    *line,
                            size_t         len)
{
  json_tokener *tok = json_tokener_new ();
  json_object *request = json_tokener_parse_ex (tok, line, (int) len);
  json_object *reply, *id;
  bool complete = json_tokener_get_error (tok) == json_tokener_success
                  && (size_t) json_tokener_get_parse_end (tok) <= len;
  bool ok;

  /* One object per line: anything after it but blanks makes the line bad. */
  for (size_t i = complete ? (size_t) json_tokener_get_parse_end (tok) : len; i < len; i++)
    complete &= line[i] == ' ' || line[i] == '\t';
  json_tokener_free (tok);
  if (request == NULL || !complete)
    reply = control_error_new ("GenericError", "malformed JSON: each line must be one object");
  else
    reply = control_dispatch (client->server, request);

  if (request != NULL && json_object_is_type (request, json_type_object)
      && json_object_object_get_ex (request, "id", &id))
    json_object_object_add (reply, "id", json_object_get (id));

  ok = control_client_send (client, reply);
  json_object_put (reply);
  json_object_put (request);
  return ok;
}

static bool
control_client_read (ControlClient *client)
{
  char buf[4096];
  ssize_t n = recv (client->fd, buf, sizeof buf, MSG_DONTWAIT);
  size_t start = 0;
  char *grown;

  if (n < 0 && (errno == EAGAIN || errno == EINTR))
    return true;
  if (n <= 0)
    return false;
  if (client->closing)
    return true;

  grown = realloc (client->in, client->in_len + n);
  if (grown == NULL)
    return false;
  client->in = grown;
  memcpy (client->in + client->in_len, buf, n);
  client->in_len += n;

  for (size_t i = 0; i < client->in_len; i++)
    if (client->in[i] == '\n')
      {
        size_t len = i - start;
        if (len > 0 && client->in[start + len - 1] == '\r')
          len--;
        if (len > 0 && !control_client_handle_line (client, client->in + start, len))
          return false;
        start = i + 1;
      }
  memmove (client->in, client->in + start, client->in_len - start);
  client->in_len -= start;

  if (client->in_len > CONTROL_MAX_LINE)
    {
      json_object *reply = control_error_new ("GenericError",
                                              "line longer than 64 KiB: closing the connection");
      bool sent = control_client_send (client, reply);

      json_object_put (reply);
      /* Closing with unread input would reset the connection and could
       * destroy the reply on its way; end our side and drain theirs. */
      free (client->in);
      client->in = NULL;
      client->in_len = 0;
      client->closing = true;
      return sent && control_client_flush (client);
    }
  return true;
}

static void
control_client_on_event (void     *opaque,
                         uint32_t  events)
{
  ControlClient *client = opaque;
  bool ok = true;

  if (events & EPOLLOUT)
    ok = control_client_flush (client);
  if (ok && (events & (EPOLLIN | EPOLLHUP | EPOLLERR)))
    ok = control_client_read (client);
  if (!ok)
    control_client_free (client);
}

static void
control_server_on_accept (void     *opaque,
                          uint32_t  events)
{
  ControlServer *server = opaque;
  ControlClient *client;
  json_object *greeting, *qmp, *version;
  int fd = accept4 (server->listen_fd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);

  if (fd < 0)
    return;
  client = calloc (1, sizeof *client);
  if (client == NULL)
    {
      close (fd);
      return;
    }
  client->server = server;
  client->fd = fd;
  client->watch = event_loop_add (server->loop, fd, EPOLLIN, control_client_on_event, client);
  if (client->watch == NULL)
    {
      close (fd);
      free (client);
      return;
    }
  client->next = server->clients;
  server->clients = client;

  greeting = json_object_new_object ();
  qmp = json_object_new_object ();
  version = json_object_new_object ();
  json_object_object_add (version, "package", json_object_new_string ("guesthouse"));
  json_object_object_add (version, "version", json_object_new_string (PACKAGE_VERSION));
  json_object_object_add (qmp, "version", version);
  json_object_object_add (qmp, "capabilities", json_object_new_array ());
  json_object_object_add (greeting, "QMP", qmp);
  if (!control_client_send (client, greeting))
    control_client_free (client);
  json_object_put (greeting);
}

/* A socket file left by a helper that died is reused; one that a live
 * helper still serves is not taken over. */
static int
control_server_claim_path (const struct sockaddr_un *addr,
                           VmmError                 *err)
{
  struct stat st;
  int probe, ret;

  if (lstat (addr->sun_path, &st) < 0)
    return 0;
  if (!S_ISSOCK (st.st_mode))
    {
      vmm_error_set (err, "the control socket path %s exists and is not a socket",
                     addr->sun_path);
      return -1;
    }
  probe = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  ret = connect (probe, (const struct sockaddr *) addr, sizeof *addr);
  close (probe);
  if (ret == 0)
    {
      vmm_error_set (err, "another helper is already serving the control socket %s",
                     addr->sun_path);
      return -1;
    }
  unlink (addr->sun_path);
  return 0;
}

ControlServer *
control_server_new (Vmm        *vmm,
                    EventLoop  *loop,
                    const char *path,
                    VmmError   *err)
{
  static const char pending_suffix[] = ".new";
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  struct sockaddr_un pending = { .sun_family = AF_UNIX };
  ControlServer *server;
  mode_t old_umask;
  int ret;

  if (strlen (path) + strlen (pending_suffix) >= sizeof addr.sun_path)
    {
      vmm_error_set (err, "the control socket path %s is too long (at most %zu bytes)",
                     path, sizeof addr.sun_path - 1 - strlen (pending_suffix));
      return NULL;
    }
  strcpy (addr.sun_path, path);
  snprintf (pending.sun_path, sizeof pending.sun_path, "%s%s", path, pending_suffix);
  if (control_server_claim_path (&addr, err) < 0)
    return NULL;

  server = calloc (1, sizeof *server);
  server->vmm = vmm;
  server->loop = loop;
  server->path = strdup (path);
  server->listen_fd = socket (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);

  /* Only the owner may drive the guest: 0600 from the start, not after.
   * And the path appears only once the socket listens (bound under another
   * name, then renamed), so a client that sees it can connect at once. */
  unlink (pending.sun_path);
  old_umask = umask (0177);
  ret = bind (server->listen_fd, (struct sockaddr *) &pending, sizeof pending);
  umask (old_umask);
  if (ret < 0 || listen (server->listen_fd, 8) < 0 || rename (pending.sun_path, path) < 0)
    {
      vmm_error_set (err, "cannot serve the control socket %s: %s", path, strerror (errno));
      unlink (pending.sun_path);
      goto fail;
    }
  server->listen_watch = event_loop_add (loop, server->listen_fd, EPOLLIN,
                                         control_server_on_accept, server);
  if (server->listen_watch == NULL)
    {
      vmm_error_set (err, "cannot watch the control socket %s: %s", path, strerror (errno));
      goto fail;
    }
  return server;

fail:
  control_server_free (server);
  return NULL;
}

void
control_server_free (ControlServer *server)
{
  while (server->clients != NULL)
    {
      /* Replies and events still queued get one last chance to go out. */
      control_client_flush (server->clients);
      control_client_free (server->clients);
    }
  if (server->listen_watch != NULL)
    event_loop_remove (server->loop, server->listen_watch);
  if (server->listen_fd >= 0)
    {
      close (server->listen_fd);
      unlink (server->path);
    }
  free (server->path);
  free (server);
}

void
control_server_emit_event (ControlServer *server,
                           const char    *name,
                           json_object   *data)
{
  json_object *event = json_object_new_object ();
  json_object *timestamp = json_object_new_object ();
  struct timespec now;
  ControlClient *client, *next;

  clock_gettime (CLOCK_REALTIME, &now);
  json_object_object_add (timestamp, "seconds", json_object_new_int64 (now.tv_sec));
  json_object_object_add (timestamp, "microseconds", json_object_new_int64 (now.tv_nsec / 1000));
  json_object_object_add (event, "event", json_object_new_string (name));
  if (data != NULL)
    json_object_object_add (event, "data", data);
  json_object_object_add (event, "timestamp", timestamp);

  for (client = server->clients; client != NULL; client = next)
    {
      next = client->next;
      if (!control_client_send (client, event))
        control_client_free (client);
    }
  json_object_put (event);
}
