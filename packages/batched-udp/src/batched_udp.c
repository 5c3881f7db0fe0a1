// Batched UDP for rpcnet's QUIC driver: one sendmmsg (with UDP GSO) for a turn's packets and one
// recvmmsg for every datagram waiting, driven by libuv's poll handle on the loop Node runs.
// node:dgram costs a syscall and a JavaScript event per datagram; at 1350-byte QUIC packets that
// is most of the CPU a packet costs. Linux only; the TypeScript side falls back to node:dgram.
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/udp.h>
#include <node_api.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include <uv.h>

#ifndef UDP_SEGMENT
#define UDP_SEGMENT 103
#endif
#ifndef UDP_GRO
#define UDP_GRO 104
#endif

#ifndef NODE_GYP_MODULE_NAME
#define NODE_GYP_MODULE_NAME batched_udp
#endif

#define RECV_SLOTS 64
#define RECV_SLOT_BYTES 65536
// With UDP GRO a slot can hold up to 64 datagrams of one sender, so the metadata has room for every
// datagram a batch can hold, not one per slot.
#define GRO_MAX_SEGMENTS 64
#define META_ENTRIES (RECV_SLOTS * GRO_MAX_SEGMENTS)
#define META_WORDS 9
#define MAX_BATCH 64
#define GSO_MAX_BYTES 65000
#define GSO_MAX_SEGMENTS 64
#define QUEUE_LIMIT_BYTES (8 * 1024 * 1024)
#define RECV_ROUNDS 4

typedef struct queued {
  struct queued *next;
  struct sockaddr_storage to;
  socklen_t to_len;
  uint32_t length;
  uint8_t data[];
} queued_t;

// One receive area per JavaScript environment (main thread or worker): the JavaScript side reads
// a batch synchronously in the callback, so every socket of the environment can share it.
struct socket;

typedef struct {
  struct socket *sockets;  // open or closing sockets of this environment
  uint8_t *area;
  int32_t *meta;
  napi_ref area_ref;
  napi_ref meta_ref;
  struct mmsghdr msgs[RECV_SLOTS];
  struct iovec iov[RECV_SLOTS];
  struct sockaddr_storage from[RECV_SLOTS];
  union {
    char buf[CMSG_SPACE(sizeof(int))];
    struct cmsghdr align;
  } control[RECV_SLOTS];
} receive_area_t;

typedef struct socket {
  struct socket *prev;
  struct socket *next;
  receive_area_t *receive;
  // The environment is being torn down: no more N-API calls, the receive area may be gone.
  int tearing_down;
  int handle_closed;
  int free_on_close;
  int fd;
  int family;
  int connected;
  int gso;
  int gro;
  int closed;
  uv_poll_t poll;
  int poll_events;
  napi_env env;
  napi_ref on_datagrams;
  napi_ref on_error;
  napi_ref on_closed;
  napi_async_context async_context;
  queued_t *queue_head;
  queued_t *queue_tail;
  size_t queued_bytes;
  double dropped;
} socket_t;

static void unlink_socket(socket_t *s) {
  if (s->prev != NULL) s->prev->next = s->next;
  else if (s->receive != NULL) s->receive->sockets = s->next;
  if (s->next != NULL) s->next->prev = s->prev;
  s->prev = s->next = NULL;
}


#define CHECK(call)                                                                               \
  do {                                                                                            \
    if ((call) != napi_ok) return NULL;                                                           \
  } while (0)

static napi_value throw_errno(napi_env env, int code, const char *syscall) {
  napi_value message, error, code_value;
  char text[160];
  snprintf(text, sizeof text, "%s %s (%s)", syscall, uv_err_name(uv_translate_sys_error(code)),
           strerror(code));
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, NULL, message, &error);
  napi_create_string_utf8(env, uv_err_name(uv_translate_sys_error(code)), NAPI_AUTO_LENGTH,
                          &code_value);
  napi_set_named_property(env, error, "code", code_value);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char *message) {
  napi_throw_type_error(env, NULL, message);
  return NULL;
}

static socket_t *socket_arg(napi_env env, napi_value value) {
  socket_t *s = NULL;
  if (napi_get_value_external(env, value, (void **)&s) != napi_ok || s == NULL) return NULL;
  return s;
}

static int parse_address(napi_env env, napi_value host_value, napi_value port_value, int family,
                         struct sockaddr_storage *out, socklen_t *out_len) {
  char host[64];
  size_t host_len = 0;
  uint32_t port = 0;
  if (napi_get_value_string_utf8(env, host_value, host, sizeof host, &host_len) != napi_ok)
    return -1;
  if (napi_get_value_uint32(env, port_value, &port) != napi_ok || port > 65535) return -1;
  memset(out, 0, sizeof *out);
  if (family == AF_INET6) {
    struct sockaddr_in6 *a = (struct sockaddr_in6 *)out;
    a->sin6_family = AF_INET6;
    a->sin6_port = htons((uint16_t)port);
    if (inet_pton(AF_INET6, host, &a->sin6_addr) != 1) {
      // A v4 peer of a dual-stack socket: its v4-mapped form.
      struct in_addr v4;
      if (inet_pton(AF_INET, host, &v4) != 1) return -1;
      a->sin6_addr.s6_addr[10] = 0xff;
      a->sin6_addr.s6_addr[11] = 0xff;
      memcpy(&a->sin6_addr.s6_addr[12], &v4, 4);
    }
    *out_len = sizeof *a;
  } else {
    struct sockaddr_in *a = (struct sockaddr_in *)out;
    a->sin_family = AF_INET;
    a->sin_port = htons((uint16_t)port);
    if (inet_pton(AF_INET, host, &a->sin_addr) != 1) return -1;
    *out_len = sizeof *a;
  }
  return 0;
}

static void call_js(socket_t *s, napi_ref ref, size_t argc, napi_value *argv);

/** Drops whatever still waits for the kernel (the socket is closing). */
static void free_queue(socket_t *s) {
  queued_t *q = s->queue_head;
  while (q != NULL) {
    queued_t *next = q->next;
    free(q);
    q = next;
  }
  s->queue_head = s->queue_tail = NULL;
  s->queued_bytes = 0;
}

static void on_poll_closed(uv_handle_t *handle) {
  socket_t *s = handle->data;
  close(s->fd);
  if (!s->tearing_down) unlink_socket(s);
  if (!s->tearing_down && s->on_closed != NULL) {
    napi_handle_scope scope;
    napi_open_handle_scope(s->env, &scope);
    call_js(s, s->on_closed, 0, NULL);
    napi_close_handle_scope(s->env, scope);
    napi_delete_reference(s->env, s->on_closed);
    s->on_closed = NULL;
  }
  if (!s->tearing_down && s->async_context != NULL) napi_async_destroy(s->env, s->async_context);
  s->async_context = NULL;
  free_queue(s);
  s->handle_closed = 1;
  if (s->free_on_close) free(s);
}

// The JavaScript object is gone: close what it left open; the memory goes once libuv is done.
static void finalize_socket(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  socket_t *s = data;
  if (s->tearing_down) return;  // libuv may still hold the handle (see on_env_cleanup)
  if (!s->closed) {
    s->closed = 1;
    uv_poll_stop(&s->poll);
    s->free_on_close = 1;
    uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  } else if (s->handle_closed) {
    free(s);
  } else {
    s->free_on_close = 1;
  }
}

static void on_poll(uv_poll_t *handle, int status, int events);

static napi_value js_open(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result;
  uint32_t family_number = 4;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  if (argc < 1 || napi_get_value_uint32(env, argv[0], &family_number) != napi_ok)
    return throw_type(env, "family must be 4 or 6");
  int family = family_number == 6 ? AF_INET6 : AF_INET;
  int fd = socket(family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return throw_errno(env, errno, "socket");
  if (family == AF_INET6) {
    int off = 0;
    setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &off, sizeof off);
  }
  socket_t *s = calloc(1, sizeof *s);
  if (s == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "open");
  }
  if (napi_get_instance_data(env, (void **)&s->receive) != napi_ok || s->receive == NULL) {
    close(fd);
    free(s);
    return throw_type(env, "batched-udp: module not initialised");
  }
  s->fd = fd;
  s->family = family;
  s->gso = 1;
  // GRO: the kernel hands over a sender's GSO train (or coalesced packets) as one buffer instead
  // of segmenting it into one skb per datagram; on loopback that is most of a bulk receive's cost.
  int one = 1;
  s->gro = setsockopt(fd, IPPROTO_UDP, UDP_GRO, &one, sizeof one) == 0;
  s->env = env;
  uv_loop_t *loop;
  CHECK(napi_get_uv_event_loop(env, &loop));
  if (uv_poll_init(loop, &s->poll, fd) != 0) {
    close(fd);
    free(s);
    return throw_errno(env, EINVAL, "uv_poll_init");
  }
  s->poll.data = s;
  s->next = s->receive->sockets;
  if (s->next != NULL) s->next->prev = s;
  s->receive->sockets = s;
  CHECK(napi_create_external(env, s, finalize_socket, NULL, &result));
  return result;
}

// bind(socket, host, port) and connect(socket, host, port): the same arguments, one syscall apart.
static napi_value address_call(napi_env env, napi_callback_info info, int is_connect) {
  const char *name = is_connect ? "connect" : "bind";
  size_t argc = 3;
  napi_value argv[3];
  char usage[96];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc == 3 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL || s->closed) {
    snprintf(usage, sizeof usage, "%s(socket, host, port) on an open socket", name);
    return throw_type(env, usage);
  }
  struct sockaddr_storage address;
  socklen_t length;
  if (parse_address(env, argv[1], argv[2], s->family, &address, &length) != 0) {
    snprintf(usage, sizeof usage, "%s: host must be an IP literal of the socket's family", name);
    return throw_type(env, usage);
  }
  int rc = is_connect ? connect(s->fd, (struct sockaddr *)&address, length)
                      : bind(s->fd, (struct sockaddr *)&address, length);
  if (rc != 0) return throw_errno(env, errno, name);
  if (is_connect) s->connected = 1;
  return NULL;
}

static napi_value js_bind(napi_env env, napi_callback_info info) {
  return address_call(env, info, 0);
}

static napi_value js_connect(napi_env env, napi_callback_info info) {
  return address_call(env, info, 1);
}

static void format_address(const struct sockaddr_storage *address, char *host, int *port) {
  if (address->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)address;
    inet_ntop(AF_INET6, &a->sin6_addr, host, INET6_ADDRSTRLEN);
    *port = ntohs(a->sin6_port);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)address;
    inet_ntop(AF_INET, &a->sin_addr, host, INET6_ADDRSTRLEN);
    *port = ntohs(a->sin_port);
  }
}

static napi_value js_local_address(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, host_value, port_value;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc == 1 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL || s->closed) return throw_type(env, "localAddress(socket)");
  struct sockaddr_storage address;
  socklen_t length = sizeof address;
  if (getsockname(s->fd, (struct sockaddr *)&address, &length) != 0)
    return throw_errno(env, errno, "getsockname");
  char host[INET6_ADDRSTRLEN];
  int port;
  format_address(&address, host, &port);
  CHECK(napi_create_array_with_length(env, 2, &result));
  CHECK(napi_create_string_utf8(env, host, NAPI_AUTO_LENGTH, &host_value));
  CHECK(napi_create_int32(env, port, &port_value));
  CHECK(napi_set_element(env, result, 0, host_value));
  CHECK(napi_set_element(env, result, 1, port_value));
  return result;
}

static napi_value js_set_buffer_sizes(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  uint32_t bytes = 0;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc == 2 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL || s->closed || napi_get_value_uint32(env, argv[1], &bytes) != napi_ok)
    return throw_type(env, "setBufferSizes(socket, bytes)");
  int value = (int)bytes;
  // Best effort, as with node:dgram: the kernel caps what it grants.
  setsockopt(s->fd, SOL_SOCKET, SO_RCVBUF, &value, sizeof value);
  setsockopt(s->fd, SOL_SOCKET, SO_SNDBUF, &value, sizeof value);
  return NULL;
}

static void update_poll(socket_t *s) {
  if (s->closed) return;
  int events = (s->on_datagrams != NULL ? UV_READABLE : 0) | (s->queue_head != NULL ? UV_WRITABLE : 0);
  if (events == s->poll_events) return;
  s->poll_events = events;
  if (events == 0) uv_poll_stop(&s->poll);
  else uv_poll_start(&s->poll, events, on_poll);
}

static napi_value js_start_receiving(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3], name;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc == 3 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL || s->closed || s->on_datagrams != NULL)
    return throw_type(env, "startReceiving(socket, onDatagrams, onError) once per socket");
  CHECK(napi_create_reference(env, argv[1], 1, &s->on_datagrams));
  CHECK(napi_create_reference(env, argv[2], 1, &s->on_error));
  CHECK(napi_create_string_utf8(env, "rpcnet:batched-udp", NAPI_AUTO_LENGTH, &name));
  CHECK(napi_async_init(env, NULL, name, &s->async_context));
  update_poll(s);
  return NULL;
}

static void call_js(socket_t *s, napi_ref ref, size_t argc, napi_value *argv) {
  napi_env env = s->env;
  napi_value fn, global, result;
  if (napi_get_reference_value(env, ref, &fn) != napi_ok || fn == NULL) return;
  napi_get_global(env, &global);
  if (napi_make_callback(env, s->async_context, global, fn, argc, argv, &result) ==
      napi_pending_exception) {
    napi_value exception;
    napi_get_and_clear_last_exception(env, &exception);
    napi_fatal_exception(env, exception);
  }
}

static void report_error(socket_t *s, int code, const char *syscall) {
  napi_env env = s->env;
  napi_handle_scope scope;
  napi_open_handle_scope(env, &scope);
  napi_value argv[2];
  napi_create_string_utf8(env, uv_err_name(uv_translate_sys_error(code)), NAPI_AUTO_LENGTH,
                          &argv[0]);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &argv[1]);
  call_js(s, s->on_error, 2, argv);
  napi_close_handle_scope(env, scope);
}

// The segment size of a GRO buffer (0 when the kernel delivered one datagram).
static int gro_segment_size(struct msghdr *h) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c != NULL; c = CMSG_NXTHDR(h, c)) {
    if (c->cmsg_level == IPPROTO_UDP && c->cmsg_type == UDP_GRO) {
      int size;
      memcpy(&size, CMSG_DATA(c), sizeof size);
      return size;
    }
  }
  return 0;
}

static void write_meta(int32_t *meta, uint32_t offset, uint32_t length,
                       const struct sockaddr_storage *from) {
  meta[0] = (int32_t)length;
  meta[8] = (int32_t)offset;
  if (from->ss_family == AF_INET6) {
    const struct sockaddr_in6 *a = (const struct sockaddr_in6 *)from;
    meta[1] = ntohs(a->sin6_port);
    meta[2] = 6;
    memcpy(&meta[4], &a->sin6_addr, 16);
    memcpy(&meta[3], &a->sin6_addr.s6_addr[12], 4);
  } else {
    const struct sockaddr_in *a = (const struct sockaddr_in *)from;
    meta[1] = ntohs(a->sin_port);
    meta[2] = 4;
    memcpy(&meta[3], &a->sin_addr, 4);
  }
}

static void receive_batch(socket_t *s) {
  receive_area_t *r = s->receive;
  for (int round = 0; round < RECV_ROUNDS && !s->closed; round++) {
    for (int i = 0; i < RECV_SLOTS; i++) {
      r->iov[i].iov_base = r->area + (size_t)i * RECV_SLOT_BYTES;
      r->iov[i].iov_len = RECV_SLOT_BYTES;
      struct msghdr *h = &r->msgs[i].msg_hdr;
      memset(h, 0, sizeof *h);
      h->msg_iov = &r->iov[i];
      h->msg_iovlen = 1;
      h->msg_name = &r->from[i];
      h->msg_namelen = sizeof r->from[i];
      if (s->gro) {
        h->msg_control = r->control[i].buf;
        h->msg_controllen = sizeof r->control[i].buf;
      }
    }
    int count = recvmmsg(s->fd, r->msgs, RECV_SLOTS, MSG_DONTWAIT, NULL);
    if (count < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) return;
      report_error(s, errno, "recvmmsg");
      continue;
    }
    if (count == 0) return;
    int entries = 0;
    for (int i = 0; i < count; i++) {
      struct msghdr *h = &r->msgs[i].msg_hdr;
      uint32_t length = r->msgs[i].msg_len;
      if (h->msg_flags & MSG_TRUNC) {
        s->dropped++;  // larger than a slot: not a datagram QUIC could have sent
        continue;
      }
      uint32_t slot = (uint32_t)i * RECV_SLOT_BYTES;
      int segment = s->gro ? gro_segment_size(h) : 0;
      if (segment <= 0 || (uint32_t)segment >= length) {
        write_meta(r->meta + entries++ * META_WORDS, slot, length, &r->from[i]);
        continue;
      }
      for (uint32_t at = 0; at < length && entries < META_ENTRIES; at += (uint32_t)segment) {
        uint32_t part = length - at < (uint32_t)segment ? length - at : (uint32_t)segment;
        write_meta(r->meta + entries++ * META_WORDS, slot + at, part, &r->from[i]);
      }
    }
    if (entries > 0) {
      napi_env env = s->env;
      napi_handle_scope scope;
      napi_open_handle_scope(env, &scope);
      napi_value argv[1];
      napi_create_int32(env, entries, &argv[0]);
      call_js(s, s->on_datagrams, 1, argv);
      napi_close_handle_scope(env, scope);
    }
    if (count < RECV_SLOTS) return;
  }
}

static int flush_queue(socket_t *s) {
  while (s->queue_head != NULL) {
    queued_t *q = s->queue_head;
    ssize_t sent = s->connected ? send(s->fd, q->data, q->length, MSG_DONTWAIT)
                                : sendto(s->fd, q->data, q->length, MSG_DONTWAIT,
                                         (struct sockaddr *)&q->to, q->to_len);
    if (sent < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOBUFS)) return 0;
    s->queue_head = q->next;
    if (s->queue_head == NULL) s->queue_tail = NULL;
    s->queued_bytes -= q->length;
    if (sent < 0) s->dropped++;
    free(q);
  }
  return 1;
}

static void on_poll(uv_poll_t *handle, int status, int events) {
  socket_t *s = handle->data;
  if (s->closed) return;
  if (status < 0) {
    // A pending socket error (ICMP port unreachable on a connected socket): name the real one.
    int code = 0;
    socklen_t length = sizeof code;
    if (getsockopt(s->fd, SOL_SOCKET, SO_ERROR, &code, &length) != 0 || code == 0) code = EIO;
    report_error(s, code, "recvmmsg");
    return;
  }
  if (events & UV_WRITABLE) {
    flush_queue(s);
    update_poll(s);
  }
  if ((events & UV_READABLE) && s->on_datagrams != NULL) receive_batch(s);
}

static void enqueue(socket_t *s, const uint8_t *data, uint32_t length,
                    const struct sockaddr_storage *to, socklen_t to_len) {
  if (s->queued_bytes + length > QUEUE_LIMIT_BYTES) {
    s->dropped++;
    return;
  }
  queued_t *q = malloc(sizeof *q + length);
  if (q == NULL) {
    s->dropped++;
    return;
  }
  q->next = NULL;
  q->length = length;
  q->to_len = to_len;
  if (to_len > 0) memcpy(&q->to, to, to_len);
  memcpy(q->data, data, length);
  if (s->queue_tail != NULL) s->queue_tail->next = q;
  else s->queue_head = q;
  s->queue_tail = q;
  s->queued_bytes += length;
}

// send(socket, buffer, lengths, count[, port, host]): packets lie back to back in `buffer`, with
// lengths[i] bytes each. Runs of equal-sized packets (the last may be shorter) go out as one GSO
// send. Returns nothing; what the kernel cannot take now is queued and sent when writable.
static napi_value js_send(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc >= 4 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL) return throw_type(env, "send(socket, buffer, lengths, count[, port, host])");
  if (s->closed) return NULL;
  uint8_t *data;
  size_t data_length;
  napi_typedarray_type type;
  size_t lengths_count;
  void *lengths_data;
  uint32_t count;
  if (napi_get_buffer_info(env, argv[1], (void **)&data, &data_length) != napi_ok)
    return throw_type(env, "send: buffer must be a Buffer");
  if (napi_get_typedarray_info(env, argv[2], &type, &lengths_count, &lengths_data, NULL, NULL) !=
          napi_ok ||
      type != napi_uint32_array)
    return throw_type(env, "send: lengths must be a Uint32Array");
  if (napi_get_value_uint32(env, argv[3], &count) != napi_ok || count > lengths_count)
    return throw_type(env, "send: count exceeds lengths");
  const uint32_t *lengths = lengths_data;
  struct sockaddr_storage to;
  socklen_t to_len = 0;
  if (!s->connected) {
    if (argc < 6 || parse_address(env, argv[5], argv[4], s->family, &to, &to_len) != 0)
      return throw_type(env, "send: an unconnected socket needs an IP literal host and a port");
  }
  size_t total = 0;
  for (uint32_t i = 0; i < count; i++) total += lengths[i];
  if (total > data_length) return throw_type(env, "send: lengths exceed the buffer");

  struct mmsghdr msgs[MAX_BATCH];
  struct iovec iov[MAX_BATCH];
  union {
    char buf[CMSG_SPACE(sizeof(uint16_t))];
    struct cmsghdr align;
  } control[MAX_BATCH];
  uint32_t first_packet[MAX_BATCH + 1];
  size_t offset = 0;
  uint32_t next = 0;
  while (next < count) {
    if (s->queue_head != NULL) {
      // Keep order: behind a queue, everything queues.
      for (; next < count; next++) {
        enqueue(s, data + offset, lengths[next], &to, to_len);
        offset += lengths[next];
      }
      break;
    }
    int batch = 0;
    size_t batch_offset = offset;
    uint32_t packet = next;
    while (packet < count && batch < MAX_BATCH) {
      uint32_t segment = lengths[packet];
      uint32_t segments = 1;
      size_t bytes = segment;
      while (s->gso && packet + segments < count && segments < GSO_MAX_SEGMENTS) {
        uint32_t length = lengths[packet + segments];
        if (length > segment || bytes + length > GSO_MAX_BYTES) break;
        bytes += length;
        segments++;
        if (length < segment) break;  // a shorter packet ends a run
      }
      struct msghdr *h = &msgs[batch].msg_hdr;
      memset(h, 0, sizeof *h);
      iov[batch].iov_base = data + batch_offset;
      iov[batch].iov_len = bytes;
      h->msg_iov = &iov[batch];
      h->msg_iovlen = 1;
      if (!s->connected) {
        h->msg_name = &to;
        h->msg_namelen = to_len;
      }
      if (segments > 1) {
        h->msg_control = control[batch].buf;
        h->msg_controllen = sizeof control[batch].buf;
        struct cmsghdr *c = CMSG_FIRSTHDR(h);
        c->cmsg_level = SOL_UDP;
        c->cmsg_type = UDP_SEGMENT;
        c->cmsg_len = CMSG_LEN(sizeof(uint16_t));
        uint16_t size = (uint16_t)segment;
        memcpy(CMSG_DATA(c), &size, sizeof size);
      }
      first_packet[batch] = packet;
      batch++;
      batch_offset += bytes;
      packet += segments;
    }
    first_packet[batch] = packet;
    int sent = sendmmsg(s->fd, msgs, (unsigned)batch, MSG_DONTWAIT);
    if (sent < 0) {
      int code = errno;
      if (code == EAGAIN || code == EWOULDBLOCK || code == ENOBUFS) {
        sent = 0;
      } else if ((code == EIO || code == EINVAL) && s->gso) {
        // No GSO here (driver or kernel): send packet by packet from now on.
        s->gso = 0;
        continue;
      } else if (code == EINTR) {
        continue;
      } else {
        return throw_errno(env, code, "sendmmsg");
      }
    }
    for (int i = 0; i < sent; i++) offset += iov[i].iov_len;
    next = first_packet[sent];
    if (sent < batch) {
      // The kernel's buffer is full: queue the rest and wait until the socket is writable.
      for (; next < count; next++) {
        enqueue(s, data + offset, lengths[next], &to, to_len);
        offset += lengths[next];
      }
    }
  }
  update_poll(s);
  return NULL;
}

static napi_value js_ref(napi_env env, napi_callback_info info, int ref) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc == 1 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL) return throw_type(env, "ref(socket)");
  if (s->closed) return NULL;
  if (ref) uv_ref((uv_handle_t *)&s->poll);
  else uv_unref((uv_handle_t *)&s->poll);
  return NULL;
}

static napi_value js_do_ref(napi_env env, napi_callback_info info) { return js_ref(env, info, 1); }
static napi_value js_do_unref(napi_env env, napi_callback_info info) {
  return js_ref(env, info, 0);
}

static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], result, value;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc == 1 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL) return throw_type(env, "stats(socket)");
  CHECK(napi_create_array_with_length(env, 4, &result));
  CHECK(napi_create_double(env, (double)s->queued_bytes, &value));
  CHECK(napi_set_element(env, result, 0, value));
  CHECK(napi_create_double(env, s->dropped, &value));
  CHECK(napi_set_element(env, result, 1, value));
  CHECK(napi_get_boolean(env, s->gso != 0, &value));
  CHECK(napi_set_element(env, result, 2, value));
  CHECK(napi_get_boolean(env, s->gro != 0, &value));
  CHECK(napi_set_element(env, result, 3, value));
  return result;
}

static napi_value js_close(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  socket_t *s = argc >= 1 ? socket_arg(env, argv[0]) : NULL;
  if (s == NULL) return throw_type(env, "close(socket[, onClosed])");
  if (s->closed) return NULL;
  s->closed = 1;
  uv_poll_stop(&s->poll);
  if (s->on_datagrams != NULL) napi_delete_reference(env, s->on_datagrams);
  if (s->on_error != NULL) napi_delete_reference(env, s->on_error);
  s->on_datagrams = s->on_error = NULL;
  napi_valuetype type = napi_undefined;
  if (argc == 2) napi_typeof(env, argv[1], &type);
  if (type == napi_function) {
    if (s->async_context == NULL) {
      napi_value name;
      napi_create_string_utf8(env, "rpcnet:batched-udp", NAPI_AUTO_LENGTH, &name);
      napi_async_init(env, NULL, name, &s->async_context);
    }
    napi_create_reference(env, argv[1], 1, &s->on_closed);
  }
  uv_close((uv_handle_t *)&s->poll, on_poll_closed);
  return NULL;
}

// The environment ends (process exit, worker exit) with sockets open or closing. A worker's loop
// runs its pending close callbacks after the addon is unloaded, so none may point into this file:
// stop polling, close the descriptors here, and leave the few bytes of each socket to libuv.
static void on_env_cleanup(void *data) {
  receive_area_t *r = data;
  for (socket_t *s = r->sockets; s != NULL; s = s->next) {
    s->tearing_down = 1;
    s->receive = NULL;
    if (!s->closed) {
      s->closed = 1;
      uv_poll_stop(&s->poll);
      uv_close((uv_handle_t *)&s->poll, NULL);
    } else if (!s->handle_closed) {
      s->poll.close_cb = NULL;
    }
    if (!s->handle_closed) {
      close(s->fd);
      free_queue(s);
    }
  }
  r->sockets = NULL;
}

static void finalize_receive_area(napi_env env, void *data, void *hint) {
  (void)hint;
  receive_area_t *r = data;
  napi_delete_reference(env, r->area_ref);
  napi_delete_reference(env, r->meta_ref);
  free(r);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor methods[] = {
      {"open", NULL, js_open, NULL, NULL, NULL, napi_enumerable, NULL},
      {"bind", NULL, js_bind, NULL, NULL, NULL, napi_enumerable, NULL},
      {"connect", NULL, js_connect, NULL, NULL, NULL, napi_enumerable, NULL},
      {"localAddress", NULL, js_local_address, NULL, NULL, NULL, napi_enumerable, NULL},
      {"setBufferSizes", NULL, js_set_buffer_sizes, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startReceiving", NULL, js_start_receiving, NULL, NULL, NULL, napi_enumerable, NULL},
      {"send", NULL, js_send, NULL, NULL, NULL, napi_enumerable, NULL},
      {"ref", NULL, js_do_ref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"unref", NULL, js_do_unref, NULL, NULL, NULL, napi_enumerable, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_enumerable, NULL},
      {"close", NULL, js_close, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  napi_value area, meta_buffer, meta, value;
  receive_area_t *r = calloc(1, sizeof *r);
  if (r == NULL) return NULL;
  // Allocated by V8 and held by references: external buffers are refused where the V8 sandbox is on.
  CHECK(napi_create_buffer(env, (size_t)RECV_SLOTS * RECV_SLOT_BYTES, (void **)&r->area, &area));
  CHECK(napi_create_reference(env, area, 1, &r->area_ref));
  CHECK(napi_create_arraybuffer(env, sizeof(int32_t) * META_ENTRIES * META_WORDS,
                                (void **)&r->meta, &meta_buffer));
  CHECK(napi_create_typedarray(env, napi_int32_array, META_ENTRIES * META_WORDS, meta_buffer, 0,
                               &meta));
  CHECK(napi_create_reference(env, meta, 1, &r->meta_ref));
  CHECK(napi_set_instance_data(env, r, finalize_receive_area, NULL));
  CHECK(napi_add_env_cleanup_hook(env, on_env_cleanup, r));
  CHECK(napi_set_named_property(env, exports, "receiveArea", area));
  CHECK(napi_set_named_property(env, exports, "receiveMeta", meta));
  CHECK(napi_create_uint32(env, META_WORDS, &value));
  CHECK(napi_set_named_property(env, exports, "metaWords", value));
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
