/* source_imap.c: the IMAP mail source (docs/architecture.md), on libetpan.
 *
 * One blocking session per source, owned by the fetch thread.  Every read
 * is bounded by the endpoint timeout (mailimap_set_timeout), which also
 * bounds libetpan's IDLE hang (libetpan#393).  A stream or parse error
 * leaves the session dead: every later call returns SRC_TEMP and the fetch
 * loop reconnects.  The TCP connection is our own (tcp_connect), so the
 * fetch thread's cut (source.h) holds its socket from the start and a
 * reload never waits for a server that hangs. */
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <sys/socket.h>
#include <libetpan/libetpan.h>
#include "log.h"
#include "source.h"
#include "tlsverify.h"

#define IMAP_TIMEOUT_DEFAULT 60
#define IDLE_MAX_S (25 * 60)	/* RFC 2177: re-issue before 29 minutes */
#define KEYWORD "$Postdesk"

struct source_conn {
	mailimap *s;
	char *name;		/* source name, for messages */
	char *folder;
	enum pd_after after;
	unsigned poll_interval;
	bool idle;
	bool dead;
	GHashTable *folders;	/* folders known to exist (ack_set) */
};

static enum src_status
imap_fail(struct source_conn *c, int r, const char *what, char **error_r)
{
	const char *text = c->s ? c->s->imap_response : NULL;

	if (r == MAILIMAP_ERROR_STREAM || r == MAILIMAP_ERROR_PARSE ||
	    r == MAILIMAP_ERROR_CONNECTION_REFUSED) {
		c->dead = true;
		text = r == MAILIMAP_ERROR_CONNECTION_REFUSED ?
		    "cannot connect" : "connection lost";
	}
	*error_r = g_strdup_printf("%s: %s failed (%d): %.200s", c->name,
	    what, r, text ? text : "no reply text");
	return SRC_TEMP;
}

static enum src_status
imap_dead(struct source_conn *c, char **error_r)
{
	*error_r = g_strdup_printf("%s: connection lost", c->name);
	return SRC_TEMP;
}

/* ---- cutting a source off (source.h) ---- */

static __thread struct source_cut *cur_cut;

void
source_cut_init(struct source_cut *k)
{
	g_mutex_init(&k->lock);
	k->fd = -1;
	k->cut = false;
}

void
source_cut_clear(struct source_cut *k)
{
	if (k->fd >= 0)
		close(k->fd);
	k->fd = -1;
	g_mutex_clear(&k->lock);
}

void
source_cut_now(struct source_cut *k)
{
	g_mutex_lock(&k->lock);
	k->cut = true;
	/* On the socket, not the descriptor: the connection's own
	 * descriptor (libetpan's) sees the end too. */
	if (k->fd >= 0)
		shutdown(k->fd, SHUT_RDWR);
	g_mutex_unlock(&k->lock);
}

void
source_cut_use(struct source_cut *k)
{
	cur_cut = k;
}

/* Keeps a dup of fd in the thread's cut; false when the thread is being
 * cut off (then nothing is kept). */
static bool
cut_keep(int fd)
{
	bool ok = true;

	if (!cur_cut)
		return true;
	g_mutex_lock(&cur_cut->lock);
	if (cur_cut->fd >= 0)
		close(cur_cut->fd);
	cur_cut->fd = -1;
	if (cur_cut->cut)
		ok = false;
	else if ((cur_cut->fd = fcntl(fd, F_DUPFD_CLOEXEC, 0)) < 0)
		ok = false;
	g_mutex_unlock(&cur_cut->lock);
	return ok;
}

static void
cut_release(void)
{
	if (!cur_cut)
		return;
	g_mutex_lock(&cur_cut->lock);
	if (cur_cut->fd >= 0)
		close(cur_cut->fd);
	cur_cut->fd = -1;
	g_mutex_unlock(&cur_cut->lock);
}

static bool
cut_asked(void)
{
	bool cut = false;

	if (cur_cut) {
		g_mutex_lock(&cur_cut->lock);
		cut = cur_cut->cut;
		g_mutex_unlock(&cur_cut->lock);
	}
	return cut;
}

/* connect() on the non-blocking fd, waiting up to timeout seconds in
 * short slices so a cut ends the wait.  0 or an errno value. */
static int
connect_wait(int fd, const struct addrinfo *ai, unsigned timeout)
{
	gint64 end = g_get_monotonic_time() + timeout * G_USEC_PER_SEC;
	int err = 0;
	socklen_t len = sizeof err;

	if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0)
		return 0;
	if (errno != EINPROGRESS)
		return errno;
	for (;;) {
		struct pollfd p = { .fd = fd, .events = POLLOUT };
		gint64 left = (end - g_get_monotonic_time()) / 1000;

		if (cut_asked())
			return ECANCELED;
		if (left <= 0)
			return ETIMEDOUT;
		if (poll(&p, 1, (int)MIN(left, 200)) > 0)
			break;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0)
		return errno;
	return err;
}

/* A blocking TCP socket connected to host:port, its dup kept in the cut;
 * -1 with *error_r.  Our own connect, not libetpan's, so the cut has the
 * socket before the first byte is awaited. */
static int
tcp_connect(const struct source_conn *c, const struct pd_endpoint *ep,
    unsigned timeout, char **error_r)
{
	struct addrinfo hints = { .ai_socktype = SOCK_STREAM }, *res, *ai;
	char service[8];
	int fd = -1, err = 0, gr;

	snprintf(service, sizeof service, "%u", (unsigned)ep->port);
	if ((gr = getaddrinfo(ep->host, service, &hints, &res)) != 0) {
		*error_r = g_strdup_printf("%s: %s: %s", c->name, ep->host,
		    gai_strerror(gr));
		return -1;
	}
	for (ai = res; ai && fd < 0; ai = ai->ai_next) {
		fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC |
		    SOCK_NONBLOCK, ai->ai_protocol);
		if (fd < 0) {
			err = errno;
			continue;
		}
		if (!cut_keep(fd))
			err = ECANCELED;
		else
			err = connect_wait(fd, ai, timeout);
		if (err != 0) {
			cut_release();
			close(fd);
			fd = -1;
		}
		if (err == ECANCELED)
			break;
	}
	freeaddrinfo(res);
	if (fd < 0) {
		*error_r = g_strdup_printf("%s: connect to %s port %u: %s",
		    c->name, ep->host, (unsigned)ep->port, err == ECANCELED ?
		    "stopping" : g_strerror(err));
		return -1;
	}
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	return fd;
}

/* SNI; RFC 6066 forbids IP literals there. */
static void
sni_cb(struct mailstream_ssl_context *ctx, void *data)
{
	if (!g_hostname_is_ip_address(data))
		mailstream_ssl_set_server_name(ctx, data);
}

static enum src_status
imap_connect(struct source_conn *c, const struct pd_endpoint *ep,
    char **error_r)
{
	unsigned timeout = ep->timeout ? ep->timeout : IMAP_TIMEOUT_DEFAULT;
	int fd = tcp_connect(c, ep, timeout, error_r), r;
	mailstream *st;

	if (fd < 0)
		return SRC_TEMP;
	st = ep->tls == PD_TLS_IMPLICIT ?
	    mailstream_ssl_open_with_callback_timeout(fd, timeout, sni_cb,
	    ep->host) : mailstream_socket_open_timeout(fd, timeout);
	if (st == NULL) {
		close(fd);
		*error_r = g_strdup_printf("%s: %s", c->name, cut_asked() ?
		    "stopping" : ep->tls == PD_TLS_IMPLICIT ? "TLS handshake "
		    "failed" : "cannot open the connection");
		return SRC_TEMP;
	}
	/* Takes st, and closes it on failure. */
	r = mailimap_connect(c->s, st);
	if (r != MAILIMAP_NO_ERROR_NON_AUTHENTICATED &&
	    r != MAILIMAP_NO_ERROR_AUTHENTICATED)
		return imap_fail(c, r, "connect", error_r);
	if (ep->tls != PD_TLS_STARTTLS)
		return SRC_OK;
	/* STARTTLS is only valid before authentication (PREAUTH). */
	if (r == MAILIMAP_NO_ERROR_AUTHENTICATED) {
		*error_r = g_strdup_printf("%s: PREAUTH refused before "
		    "STARTTLS", c->name);
		return SRC_TEMP;
	}
	r = mailimap_socket_starttls_with_callback(c->s, sni_cb, ep->host);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "STARTTLS", error_r);
	return SRC_OK;
}

static enum src_status
imap_verify(struct source_conn *c, const struct pd_endpoint *ep,
    char **error_r)
{
	char *why = NULL;

	if (ep->tls == PD_TLS_NONE || !ep->tls_verify)
		return SRC_OK;
	if (tls_verify_stream(c->s->imap_stream, ep->host, ep->ca_file,
	    &why) == 0)
		return SRC_OK;
	*error_r = g_strdup_printf("%s: %s", c->name, why);
	g_free(why);
	return SRC_TEMP;
}

static enum src_status
imap_login(struct source_conn *c, const struct pd_endpoint *ep,
    char **error_r)
{
	struct mailimap_capability_data *cap = NULL;
	int r;

	if (ep->user == NULL || ep->password == NULL) {
		*error_r = g_strdup_printf("%s: no user or password", c->name);
		return SRC_TEMP;
	}
	if (ep->auth != NULL && strcasecmp(ep->auth, "plain") == 0)
		r = mailimap_authenticate(c->s, "PLAIN", ep->host, NULL, NULL,
		    ep->user, ep->user, ep->password, NULL);
	else
		r = mailimap_login(c->s, ep->user, ep->password);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "login", error_r);
	/* Servers may announce more (MOVE, IDLE) once authenticated. */
	r = mailimap_capability(c->s, &cap);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "CAPABILITY", error_r);
	mailimap_capability_data_free(cap);
	return SRC_OK;
}

static int
folder_exists(struct source_conn *c, const char *folder, int *r_r)
{
	clist *res = NULL;
	int n;

	*r_r = mailimap_list(c->s, "", folder, &res);
	if (*r_r != MAILIMAP_NO_ERROR)
		return 0;
	n = clist_count(res);
	mailimap_list_result_free(res);
	return n > 0;
}

/* CREATE when LIST does not show it; a CREATE that fails because someone
 * else just created it is fine, whatever the server's wording. */
static enum src_status
folder_ensure(struct source_conn *c, const char *folder, char **error_r)
{
	enum src_status st;
	int r, r2;

	if (folder == NULL || folder_exists(c, folder, &r))
		return SRC_OK;
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "LIST", error_r);
	if ((r = mailimap_create(c->s, folder)) == MAILIMAP_NO_ERROR)
		return SRC_OK;
	st = imap_fail(c, r, "CREATE", error_r);
	if (r == MAILIMAP_ERROR_CREATE && folder_exists(c, folder, &r2)) {
		g_free(*error_r);
		*error_r = NULL;
		return SRC_OK;
	}
	return st;
}

static enum src_status
imap_setup(struct source_conn *c, const struct pd_source *src,
    char **error_r)
{
	enum src_status st;
	int r;

	/* A processed folder named by date (strftime(3) '%', fetch.c) is
	 * made when first used, by ack_set. */
	if (src->after == PD_AFTER_MOVE && src->processed_folder != NULL &&
	    strchr(src->processed_folder, '%') == NULL &&
	    (st = folder_ensure(c, src->processed_folder, error_r)) != SRC_OK)
		return st;
	if (src->after == PD_AFTER_MOVE && src->processed_folder != NULL)
		g_hash_table_add(c->folders, g_strdup(src->processed_folder));
	if ((st = folder_ensure(c, src->quarantine_folder, error_r)) != SRC_OK)
		return st;
	if (src->quarantine_folder != NULL)
		g_hash_table_add(c->folders, g_strdup(src->quarantine_folder));
	r = mailimap_select(c->s, c->folder);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "SELECT", error_r);
	/* SELECT's own EXISTS is no news: the first list sees it all. */
	c->s->imap_selection_info->sel_has_exists = 0;
	return SRC_OK;
}

static void
imap_close(struct source_conn **cp)
{
	struct source_conn *c = *cp;

	if (c == NULL)
		return;
	if (c->s != NULL) {
		if (!c->dead && c->s->imap_stream != NULL)
			mailimap_logout(c->s);
		mailimap_free(c->s);
	}
	cut_release();
	g_free(c->name);
	g_free(c->folder);
	g_hash_table_destroy(c->folders);
	g_free(c);
	*cp = NULL;
}

static enum src_status
imap_open(const struct pd_source *src, struct source_conn **conn_r,
    char **error_r)
{
	const struct pd_endpoint *ep = &src->ep;
	struct source_conn *c;
	enum src_status st;

	*conn_r = NULL;
	*error_r = NULL;
	c = g_malloc0(sizeof *c);
	c->name = g_strdup(src->name ? src->name : ep->host);
	c->folder = g_strdup(src->folder ? src->folder : "INBOX");
	c->after = src->after;
	c->poll_interval = src->poll_interval ? src->poll_interval : 60;
	c->idle = src->idle;
	c->folders = g_hash_table_new_full(g_str_hash, g_str_equal, g_free,
	    NULL);
	c->s = mailimap_new(0, NULL);
	mailimap_set_timeout(c->s,
	    ep->timeout ? ep->timeout : IMAP_TIMEOUT_DEFAULT);
	if ((st = imap_connect(c, ep, error_r)) != SRC_OK ||
	    (st = imap_verify(c, ep, error_r)) != SRC_OK ||
	    (st = imap_login(c, ep, error_r)) != SRC_OK ||
	    (st = imap_setup(c, src, error_r)) != SRC_OK) {
		c->dead = true;	/* no LOGOUT on a half-open session */
		imap_close(&c);
		return st;
	}
	log_debug("source=%s event=connected host=%s", c->name, ep->host);
	*conn_r = c;
	return SRC_OK;
}

static int
uid_cmp(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static enum src_status
imap_list(struct source_conn *c, uint32_t *uidvalidity_r, GArray *uids,
    char **error_r)
{
	struct mailimap_search_key *key;
	clist *res = NULL;
	GArray *found;
	char *kw;
	int r;

	*error_r = NULL;
	if (c->dead)
		return imap_dead(c, error_r);
	if (c->after == PD_AFTER_FLAG) {
		if ((kw = strdup(KEYWORD)) == NULL)
			g_error("out of memory");
		key = mailimap_search_key_new_unkeyword(kw);
	} else {
		/* UNDELETED: a message left \Deleted by an interrupted
		 * COPY + EXPUNGE is already in the processed folder. */
		key = mailimap_search_key_new(MAILIMAP_SEARCH_KEY_UNDELETED,
		    NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
		    NULL, NULL, NULL, NULL, 0, NULL, NULL, NULL, NULL, NULL,
		    NULL, 0, NULL, NULL, NULL);
	}
	/* From here on, an EXISTS means mail this search may not have seen
	 * (idle_once looks at it). */
	c->s->imap_selection_info->sel_has_exists = 0;
	r = mailimap_uid_search(c->s, NULL, key, &res);
	mailimap_search_key_free(key);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID SEARCH", error_r);
	found = g_array_new(FALSE, FALSE, sizeof(uint32_t));
	for (clistiter *it = clist_begin(res); it; it = clist_next(it))
		g_array_append_val(found, *(uint32_t *)clist_content(it));
	mailimap_search_result_free(res);
	g_array_sort(found, uid_cmp);
	g_array_append_vals(uids, found->data, found->len);
	g_array_free(found, TRUE);
	*uidvalidity_r = c->s->imap_selection_info ?
	    c->s->imap_selection_info->sel_uidvalidity : 0;
	return SRC_OK;
}

/* The UID and the static attribute of type in one FETCH response. */
static struct mailimap_msg_att_static *
att_of(struct mailimap_msg_att *ma, int type, uint32_t *uid_r)
{
	struct mailimap_msg_att_static *want = NULL;

	*uid_r = 0;
	for (clistiter *j = clist_begin(ma->att_list); j; j = clist_next(j)) {
		struct mailimap_msg_att_item *it = clist_content(j);
		struct mailimap_msg_att_static *st;

		if (it->att_type != MAILIMAP_MSG_ATT_ITEM_STATIC)
			continue;
		st = it->att_data.att_static;
		if (st->att_type == MAILIMAP_MSG_ATT_UID)
			*uid_r = st->att_data.att_uid;
		else if (st->att_type == type)
			want = st;
	}
	return want;
}

/* The static attribute of type in the response for uid; servers may mix
 * in unsolicited FETCH responses for other messages. */
static struct mailimap_msg_att_static *
att_find(clist *res, uint32_t uid, int type)
{
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct mailimap_msg_att_static *want;
		uint32_t got;

		want = att_of(clist_content(i), type, &got);
		if (got == uid && want != NULL)
			return want;
	}
	return NULL;
}

/* UID FETCH <set> (UID att): takes set and att (both freed here); *res_r
 * (NULL on error) is freed by the caller with mailimap_fetch_list_free().
 * Returns libetpan's MAILIMAP_* code. */
static int
uid_fetch_in(struct source_conn *c, struct mailimap_set *set,
    struct mailimap_fetch_att *att, clist **res_r)
{
	struct mailimap_fetch_type *ft;
	int r;

	*res_r = NULL;
	ft = mailimap_fetch_type_new_fetch_att_list_empty();
	mailimap_fetch_type_new_fetch_att_list_add(ft,
	    mailimap_fetch_att_new_uid());
	mailimap_fetch_type_new_fetch_att_list_add(ft, att);
	r = mailimap_uid_fetch(c->s, set, ft, res_r);
	mailimap_set_free(set);
	mailimap_fetch_type_free(ft);
	return r;
}

/* UID FETCH uid (att); *res_r is freed by the caller. */
static int
uid_fetch(struct source_conn *c, uint32_t uid, struct mailimap_fetch_att *att,
    clist **res_r)
{
	return uid_fetch_in(c, mailimap_set_new_single(uid), att, res_r);
}

/* BODY.PEEK[]<0.max_size+1>, or the whole BODY.PEEK[] when max_size + 1
 * does not fit the partial's 32 bits: a new att for uid_fetch_in(). */
static struct mailimap_fetch_att *
body_peek_att(size_t max_size)
{
	if (max_size < UINT32_MAX)
		return mailimap_fetch_att_new_body_peek_section_partial(
		    mailimap_section_new(NULL), 0, (uint32_t)max_size + 1);
	return mailimap_fetch_att_new_body_peek_section(
	    mailimap_section_new(NULL));
}

static enum src_status
fetch_size(struct source_conn *c, uint32_t uid, size_t *size_r,
    char **error_r)
{
	struct mailimap_msg_att_static *st;
	clist *res;
	int r;

	r = uid_fetch(c, uid, mailimap_fetch_att_new_rfc822_size(), &res);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID FETCH RFC822.SIZE", error_r);
	st = att_find(res, uid, MAILIMAP_MSG_ATT_RFC822_SIZE);
	if (st != NULL)
		*size_r = st->att_data.att_rfc822_size;
	mailimap_fetch_list_free(res);
	if (st == NULL) {
		*error_r = g_strdup_printf("%s: uid %u is gone", c->name, uid);
		return SRC_MSG_BAD;
	}
	return SRC_OK;
}

/* BODY.PEEK[] (never \Seen), asking for at most max_size + 1 bytes so a
 * server lying about RFC822.SIZE cannot make us hold more. */
static enum src_status
fetch_body(struct source_conn *c, uint32_t uid, size_t max_size,
    GByteArray *raw, size_t *size_r, char **error_r)
{
	struct mailimap_fetch_att *att;
	struct mailimap_msg_att_static *st;
	struct mailimap_msg_att_body_section *b;
	clist *res;
	int r;

	att = body_peek_att(max_size);
	if ((r = uid_fetch(c, uid, att, &res)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID FETCH BODY.PEEK[]", error_r);
	st = att_find(res, uid, MAILIMAP_MSG_ATT_BODY_SECTION);
	if (st == NULL || (b = st->att_data.att_body_section)->sec_body_part
	    == NULL) {
		mailimap_fetch_list_free(res);
		*error_r = g_strdup_printf("%s: uid %u has no body", c->name,
		    uid);
		return SRC_MSG_BAD;
	}
	if (b->sec_length > max_size)
		*size_r = MAX(*size_r, b->sec_length);
	else {
		g_byte_array_append(raw, (const guint8 *)b->sec_body_part,
		    b->sec_length);
		*size_r = b->sec_length;
	}
	mailimap_fetch_list_free(res);
	return SRC_OK;
}

static enum src_status
imap_fetch(struct source_conn *c, uint32_t uid, size_t max_size,
    GByteArray *raw, size_t *size_r, char **error_r)
{
	enum src_status st;

	*error_r = NULL;
	*size_r = 0;
	g_byte_array_set_size(raw, 0);
	if (c->dead)
		return imap_dead(c, error_r);
	if ((st = fetch_size(c, uid, size_r, error_r)) != SRC_OK)
		return st;
	if (*size_r > max_size)
		return SRC_OK;
	return fetch_body(c, uid, max_size, raw, size_r, error_r);
}

/* STORE +FLAGS.SILENT (\Deleted) or (\Seen $Postdesk). */
static int
store_flags(struct source_conn *c, struct mailimap_set *set, bool deleted)
{
	struct mailimap_flag_list *fl;
	struct mailimap_store_att_flags *sf;
	char *kw;
	int r;

	fl = mailimap_flag_list_new_empty();
	if (deleted)
		mailimap_flag_list_add(fl, mailimap_flag_new_deleted());
	else {
		if ((kw = strdup(KEYWORD)) == NULL)
			g_error("out of memory");
		mailimap_flag_list_add(fl, mailimap_flag_new_seen());
		mailimap_flag_list_add(fl, mailimap_flag_new_flag_keyword(kw));
	}
	sf = mailimap_store_att_flags_new_add_flags_silent(fl);
	r = mailimap_uid_store(c->s, set, sf);
	mailimap_store_att_flags_free(sf);
	return r;
}

/* Without MOVE: COPY, \Deleted, then UID EXPUNGE of just these UIDs.  A plain
 * EXPUNGE would also remove what others flagged \Deleted, so it is the
 * last resort, for servers without UIDPLUS. */
static enum src_status
ack_copy(struct source_conn *c, struct mailimap_set *set, const char *folder,
    char **error_r)
{
	int r;

	if ((r = mailimap_uid_copy(c->s, set, folder)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID COPY", error_r);
	if ((r = store_flags(c, set, true)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID STORE", error_r);
	if (mailimap_has_uidplus(c->s))
		r = mailimap_uid_expunge(c->s, set);
	else
		r = mailimap_expunge(c->s);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "EXPUNGE", error_r);
	return SRC_OK;
}

/* The UIDs as an IMAP set of ranges ("1:5,7,9:12"): uids ascending. */
static struct mailimap_set *
uid_set(const uint32_t *uids, size_t n)
{
	struct mailimap_set *set = mailimap_set_new_empty();
	size_t i = 0, j;

	while (i < n) {
		for (j = i; j + 1 < n && uids[j + 1] == uids[j] + 1; j++)
			;
		if (mailimap_set_add_interval(set, uids[i], uids[j]) !=
		    MAILIMAP_NO_ERROR)
			g_error("out of memory");
		i = j + 1;
	}
	return set;
}

/* The index of uid in uids (ascending), or -1. */
static ssize_t
uid_index(const uint32_t *uids, size_t n, uint32_t uid)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (uids[mid] == uid)
			return (ssize_t)mid;
		if (uids[mid] < uid)
			lo = mid + 1;
		else
			hi = mid;
	}
	return -1;
}

/* UID FETCH <set> (UID att). */
static int
uid_fetch_set(struct source_conn *c, const uint32_t *uids, size_t n,
    struct mailimap_fetch_att *att, clist **res_r)
{
	return uid_fetch_in(c, uid_set(uids, n), att, res_r);
}

static enum src_status
imap_sizes(struct source_conn *c, const uint32_t *uids, size_t n,
    size_t *sizes, char **error_r)
{
	clist *res;
	int r;

	*error_r = NULL;
	for (size_t i = 0; i < n; i++)
		sizes[i] = SIZE_MAX;
	if (c->dead)
		return imap_dead(c, error_r);
	if (n == 0)
		return SRC_OK;
	r = uid_fetch_set(c, uids, n, mailimap_fetch_att_new_rfc822_size(),
	    &res);
	if (r != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID FETCH RFC822.SIZE", error_r);
	/* Servers may mix in unsolicited FETCH responses for other
	 * messages: only the UIDs asked for count. */
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct mailimap_msg_att_static *st;
		uint32_t uid;
		ssize_t k;

		st = att_of(clist_content(i), MAILIMAP_MSG_ATT_RFC822_SIZE,
		    &uid);
		if (st != NULL && (k = uid_index(uids, n, uid)) >= 0)
			sizes[k] = st->att_data.att_rfc822_size;
	}
	mailimap_fetch_list_free(res);
	return SRC_OK;
}

/* BODY.PEEK[]<0.max_size+1> of a set: asking for at most max_size + 1
 * bytes of each, a server lying about RFC822.SIZE cannot make us hold
 * more.  The caller bounds the set's total (fetch.c). */
static enum src_status
imap_bodies(struct source_conn *c, const uint32_t *uids, size_t n,
    size_t max_size, GByteArray **raws, size_t *sizes, char **error_r)
{
	struct mailimap_fetch_att *att;
	clist *res;
	int r;

	*error_r = NULL;
	for (size_t i = 0; i < n; i++) {
		g_byte_array_set_size(raws[i], 0);
		sizes[i] = SIZE_MAX;
	}
	if (c->dead)
		return imap_dead(c, error_r);
	if (n == 0)
		return SRC_OK;
	att = body_peek_att(max_size);
	if ((r = uid_fetch_set(c, uids, n, att, &res)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "UID FETCH BODY.PEEK[]", error_r);
	for (clistiter *i = clist_begin(res); i; i = clist_next(i)) {
		struct mailimap_msg_att_body_section *b;
		struct mailimap_msg_att_static *st;
		uint32_t uid;
		ssize_t k;

		st = att_of(clist_content(i), MAILIMAP_MSG_ATT_BODY_SECTION,
		    &uid);
		if (st == NULL || (k = uid_index(uids, n, uid)) < 0 ||
		    (b = st->att_data.att_body_section)->sec_body_part ==
		    NULL || raws[k]->len > 0)
			continue;
		sizes[k] = b->sec_length;
		/* A copy of exactly its size: appending would round the
		 * array up to a power of two, and a batch's bodies are held
		 * while the one before is filed (fetch.c). */
		if (b->sec_length > 0 && b->sec_length <= max_size) {
			g_byte_array_unref(raws[k]);
			raws[k] = g_byte_array_new_take(g_memdup2(
			    b->sec_body_part, b->sec_length), b->sec_length);
		}
	}
	mailimap_fetch_list_free(res);
	return SRC_OK;
}

static enum src_status
imap_ack_set(struct source_conn *c, const uint32_t *uids, size_t n,
    const char *folder, char **error_r)
{
	struct mailimap_set *set;
	enum src_status st = SRC_OK;
	int r;

	*error_r = NULL;
	if (c->dead)
		return imap_dead(c, error_r);
	if (n == 0)
		return SRC_OK;
	if (folder != NULL && !g_hash_table_contains(c->folders, folder)) {
		if ((st = folder_ensure(c, folder, error_r)) != SRC_OK)
			return st;
		g_hash_table_add(c->folders, g_strdup(folder));
	}
	set = uid_set(uids, n);
	if (folder == NULL) {
		if ((r = store_flags(c, set, false)) != MAILIMAP_NO_ERROR)
			st = imap_fail(c, r, "UID STORE", error_r);
	} else if (mailimap_has_extension(c->s, "MOVE")) {
		if ((r = mailimap_uid_move(c->s, set, folder)) !=
		    MAILIMAP_NO_ERROR)
			st = imap_fail(c, r, "UID MOVE", error_r);
	} else
		st = ack_copy(c, set, folder, error_r);
	mailimap_set_free(set);
	return st;
}

static enum src_status
imap_ack(struct source_conn *c, uint32_t uid, const char *folder,
    char **error_r)
{
	return imap_ack_set(c, &uid, 1, folder, error_r);
}

/* Polls fd (may be -1) and wake_fd for up to ms; 1 when one is ready. */
static int
fds_wait(int fd, int wake_fd, gint64 ms)
{
	struct pollfd p[2] = { { fd, POLLIN, 0 }, { wake_fd, POLLIN, 0 } };
	gint64 end = g_get_monotonic_time() / 1000 + ms;
	int n;

	for (;;) {
		n = poll(p, 2, (int)MAX(0, end - g_get_monotonic_time() / 1000));
		if (n >= 0)
			return n > 0;
		if (errno != EINTR)
			return 1;	/* let the caller look */
	}
}

/* One IDLE ... DONE round of at most secs; *woke_r when anything came. */
static enum src_status
idle_once(struct source_conn *c, int wake_fd, unsigned secs, bool *woke_r,
    char **error_r)
{
	int r;

	/* Mail that arrived since list() is announced by an untagged EXISTS,
	 * with the replies to our FETCH and MOVE or, at the latest, to this
	 * NOOP (sel_has_exists, cleared by list()).  It must be seen here:
	 * libetpan 1.9.4's mailimap_idle() parses and drops any such line
	 * that comes before "+ idling", and the server never repeats it. */
	if ((r = mailimap_noop(c->s)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "NOOP", error_r);
	if (c->s->imap_selection_info->sel_has_exists) {
		/* Reported once: the caller lists now. */
		c->s->imap_selection_info->sel_has_exists = 0;
		*woke_r = true;
		return SRC_OK;
	}
	if ((r = mailimap_idle(c->s)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "IDLE", error_r);
	/* libetpan may already hold the next response in its buffer. */
	*woke_r = c->s->imap_stream->read_buffer_len > 0 ||
	    fds_wait(mailimap_idle_get_fd(c->s), wake_fd, secs * (gint64)1000);
	if ((r = mailimap_idle_done(c->s)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "IDLE DONE", error_r);
	return SRC_OK;
}

static enum src_status
wait_idle(struct source_conn *c, int wake_fd, unsigned timeout_s,
    char **error_r)
{
	gint64 end = g_get_monotonic_time() + timeout_s * (gint64)G_USEC_PER_SEC;
	enum src_status st;
	bool woke = false;
	gint64 left;

	do {
		left = (end - g_get_monotonic_time()) / G_USEC_PER_SEC;
		st = idle_once(c, wake_fd, (unsigned)CLAMP(left, 0, IDLE_MAX_S),
		    &woke, error_r);
	} while (st == SRC_OK && !woke && g_get_monotonic_time() < end);
	return st;
}

static enum src_status
imap_wait(struct source_conn *c, int wake_fd, unsigned timeout_s,
    char **error_r)
{
	int r;

	*error_r = NULL;
	if (c->dead)
		return imap_dead(c, error_r);
	if (c->idle && mailimap_has_idle(c->s))
		return wait_idle(c, wake_fd, timeout_s, error_r);
	fds_wait(-1, wake_fd, MIN(timeout_s, c->poll_interval) * (gint64)1000);
	/* NOOP tells a dead connection from a quiet one. */
	if ((r = mailimap_noop(c->s)) != MAILIMAP_NO_ERROR)
		return imap_fail(c, r, "NOOP", error_r);
	return SRC_OK;
}

const struct source_driver source_imap = {
	.name = "imap",
	.open = imap_open,
	.list = imap_list,
	.fetch = imap_fetch,
	.ack = imap_ack,
	.wait = imap_wait,
	.close = imap_close,
	.sizes = imap_sizes,
	.bodies = imap_bodies,
	.ack_set = imap_ack_set,
};
