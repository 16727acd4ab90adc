/* postdeskd.c: the daemon (postdeskd(8)).
 *
 * options -> config (-n: check and print "configuration OK") -> key and
 * database -> workers (one per IMAP source, one outbox sender, one
 * scheduler for timer jobs, scheduler.h) -> main loop for signals -> stop
 * workers.  SIGHUP loads the config anew and swaps it only when it is
 * valid; SIGTERM stops after the message in hand. */
#include <errno.h>
#include <grp.h>
#include <pwd.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>
#include <sys/stat.h>
#include <glib-unix.h>
#include <gmime/gmime.h>
#include <sodium.h>
#include "db.h"
#include "log.h"
#include "mac.h"
#include "fetch.h"
#include "outbox.h"
#include "scheduler.h"
#include "sdnotify.h"
#include "template_vars.h"
#include "worker.h"

#define DEFAULT_CONFIG SYSCONFDIR "/postdesk/postdesk.conf"

struct daemon {
	char *config_path;
	struct pd_config *cfg;
	struct worker outbox;
	struct worker scheduler;
	struct worker *fetchers;
	guint nfetchers;
	GMainLoop *loop;
};

static void
usage(void)
{
	fprintf(stderr, "usage: postdeskd [-fnqv] [-c file] [-l stderr|syslog] "
	    "[-L err|warning|info|debug] (see postdeskd --help)\n");
	exit(EX_USAGE);
}

static void
help(void)
{
	printf("Usage: postdeskd [-fnqv] [-c FILE] [-l stderr|syslog] "
	    "[-L LEVEL]\n\n"
	    "  -c, --config FILE  the configuration (%s)\n"
	    "  -f                 stay in the foreground (always)\n"
	    "  -n                 check the configuration and exit; -nn also\n"
	    "                     prints the effective configuration\n"
	    "  -v                 log debug lines too (-L debug)\n"
	    "  -q                 log warnings and errors only (-L warning)\n"
	    "  -l stderr|syslog   where the log goes (stderr: the journal's\n"
	    "                     priorities under systemd, else time stamps)\n"
	    "  -L LEVEL           err, warning, info (default) or debug\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      the version\n\nSee postdeskd(8).\n",
	    DEFAULT_CONFIG);
	exit(EX_OK);
	fprintf(stderr, "usage: postdeskd [-fnqv] [-c file] [-l stderr|syslog] "
	    "[-L err|warning|info|debug]\n");
	exit(2);
}

/* Errors go out as bare "file:line: message" lines for -n (editors and
 * scripts parse them), as log events otherwise. */
static struct pd_config *
load_config(const char *path, int bare)
{
	GString *errors = g_string_new(NULL);
	struct pd_config *cfg = NULL;

	/* Every template the code renders, in every language, with only
	 * placeholders it knows (template_vars.h): also on a reload. */
	if (config_load(path, &cfg, errors) == 0 &&
	    template_check(cfg->templates_dirs, cfg->file,
	    cfg->templates_line, errors) > 0)
		config_free(&cfg);
	if (!cfg) {
		char **lines = g_strsplit(g_strchomp(errors->str), "\n", -1);

		for (char **l = lines; *l; l++)
			if (bare)
				fprintf(stderr, "%s\n", *l);
			else
				log_warnx("stage=config event=error %s", *l);
		g_strfreev(lines);
	}
	g_string_free(errors, TRUE);
	return cfg;
}

/* What the daemon refuses to start with, beyond config errors: a password
 * file others may access, a key file that mac_key_load refuses, running
 * as root without gateway.allow_root.  For -n (bare) every problem is a
 * line on stderr; running as root is only a warning there, since -n is
 * often run by root for a daemon that runs as its own user.  Returns the
 * number of problems that stop a start. */
static int
file_checks(const struct pd_config *cfg, int bare)
{
	struct mac_key k;
	struct stat sb;
	char *err = NULL;
	GString *errors = g_string_new(NULL);
	char **lines;
	int bad = 0;

	/* Password files others may read, the templates, gateway.user. */
	bad += config_check_files(cfg, errors);
	lines = g_strsplit(g_strchomp(errors->str), "\n", -1);
	for (char **l = lines; *l && **l; l++)
		if (bare)
			fprintf(stderr, "%s\n", *l);
		else
			log_warnx("stage=config event=error %s", *l);
	g_strfreev(lines);
	g_string_free(errors, TRUE);
	/* -n creates nothing: a missing key is made on the first start. */
	if (bare && mac_key_load(cfg->key_file, false, &k, &err) < 0) {
		fprintf(stderr, "%s\n", err);
		g_free(err);
		bad++;
	}
	sodium_memzero(&k, sizeof k);
	/* New databases are made 0600 (db.h); one made by an older postdesk
	 * may not be.  Said, not refused: group access may be on purpose. */
	if (stat(cfg->database, &sb) == 0 && (sb.st_mode & 077)) {
		if (bare)
			fprintf(stderr, "warning: %s: database is accessible by "
			    "group or others (mode %04o)\n", cfg->database,
			    (unsigned)(sb.st_mode & 07777));
		else
			log_warnx("stage=config event=warning file=\"%s\" "
			    "reason=\"database is accessible by group or "
			    "others\" mode=%04o", cfg->database,
			    (unsigned)(sb.st_mode & 07777));
	}
	if (geteuid() == 0 && !cfg->allow_root && !cfg->user) {
		if (bare)
			fprintf(stderr, "warning: running as root; postdeskd "
			    "refuses to start as root unless gateway.user names "
			    "the user to run as or gateway.allow_root is "
			    "true\n");
		else {
			log_warnx("stage=config event=error error=\"running as "
			    "root; run as an unprivileged user, set gateway.user "
			    "or set gateway.allow_root = true\"");
			bad++;
		}
	}
	return bad;
}

/* Key and database must work before any mail is touched.  The key is read
 * into *key, not put in use: workers of the running configuration may still
 * sign with the old one.  A missing key file is created only when create
 * is set: a reload that keeps the key file of the running configuration
 * must find it, since a new key would void every id already sent. */
static int
prepare(const struct pd_config *cfg, struct mac_key *key, bool create)
{
	sqlite3 *db = NULL;
	char *err = NULL;
	int r;

	if (file_checks(cfg, 0) != 0)
		return -1;
	if ((r = mac_key_load(cfg->key_file, create, key, &err)) == 0)
		err = g_strdup_printf("%s: the key file in use is missing; "
		    "restore it (a new key would void every id sent)",
		    cfg->key_file);
	if (r != 1 || db_open(cfg->database, &db, &err) != 0) {
		log_warnx("stage=daemon event=error error=\"%s\"", err);
		g_free(err);
		sodium_memzero(key, sizeof *key);
		return -1;
	}
	db_close(&db);
	return 0;
}

/* Gives a file root made (the key, the database and its WAL) to pw, so
 * the daemon can still use it once it runs as pw. */
static int
give(const char *path, const struct passwd *pw)
{
	struct stat sb;

	if (lstat(path, &sb) != 0)
		return errno == ENOENT ? 0 : -1;
	if (!S_ISREG(sb.st_mode) || sb.st_uid != 0)
		return 0;
	return chown(path, pw->pw_uid, pw->pw_gid);
}

/* Outside systemd (which starts us as User=postdesk): started as root with
 * gateway.user set, run as that user from here on, once the config, the
 * password files and the key are read and the database is made.  A reload
 * reads the config again as that user (postdeskd(8) "PRIVILEGES"). */
static int
drop_privileges(const struct pd_config *cfg)
{
	const char *files[] = { cfg->key_file, cfg->database, NULL, NULL };
	struct passwd *pw;
	int r = 0;

	if (geteuid() != 0 || !cfg->user)
		return 0;
	if (!(pw = getpwnam(cfg->user)) || pw->pw_uid == 0) {
		log_err("stage=daemon event=error error=\"user '%s' %s\"",
		    cfg->user, pw ? "is root" : "does not exist");
		return -1;
	}
	files[2] = g_strconcat(cfg->database, "-wal", NULL);
	files[3] = g_strconcat(cfg->database, "-shm", NULL);
	for (int i = 0; i < 4 && r == 0; i++)
		if ((r = give(files[i], pw)) != 0)
			log_err("stage=daemon event=error file=\"%s\" "
			    "error=\"chown: %s\"", files[i], g_strerror(errno));
	g_free((char *)files[2]);
	g_free((char *)files[3]);
	if (r != 0)
		return -1;
	if (initgroups(pw->pw_name, pw->pw_gid) != 0 ||
	    setgid(pw->pw_gid) != 0 || setuid(pw->pw_uid) != 0 ||
	    setuid(0) == 0) {
		log_err("stage=daemon event=error error=\"cannot run as %s: "
		    "%s\"", cfg->user, g_strerror(errno));
		return -1;
	}
	log_info("stage=daemon event=privileges-dropped user=%s uid=%u",
	    cfg->user, (unsigned)pw->pw_uid);
	return 0;
}

static void
start_worker(struct worker *w, const char *name, GThreadFunc fn)
{
	if (worker_init(w) != 0)
		fatalx("pipe: %s", g_strerror(errno));
	w->thread = g_thread_new(name, fn, w);
}

static void
start_workers(struct daemon *d)
{
	memset(&d->outbox, 0, sizeof d->outbox);
	d->outbox.cfg = d->cfg;
	start_worker(&d->outbox, "outbox", outbox_main);
	memset(&d->scheduler, 0, sizeof d->scheduler);
	d->scheduler.cfg = d->cfg;
	d->scheduler.outbox = &d->outbox;
	start_worker(&d->scheduler, "scheduler", scheduler_main);
	d->nfetchers = d->cfg->sources->len;
	d->fetchers = g_new0(struct worker, d->nfetchers);
	for (guint i = 0; i < d->nfetchers; i++) {
		struct worker *w = &d->fetchers[i];

		w->cfg = d->cfg;
		w->src = d->cfg->sources->pdata[i];
		w->outbox = &d->outbox;
		start_worker(w, w->src->name, fetch_main);
	}
	log_info("stage=daemon event=started sources=%u", d->nfetchers);
}

static void
stop_worker(struct worker *w)
{
	atomic_store(&w->stop, 1);
	worker_wake(w);
	/* A fetcher blocked on a server that hangs returns at once. */
	source_cut_now(&w->cut);
	g_thread_join(w->thread);
	worker_deinit(w);
}

static void
stop_workers(struct daemon *d)
{
	/* Fetchers and the scheduler first: they may still queue mail for the
	 * outbox. */
	for (guint i = 0; i < d->nfetchers; i++)
		stop_worker(&d->fetchers[i]);
	g_clear_pointer(&d->fetchers, g_free);
	d->nfetchers = 0;
	stop_worker(&d->scheduler);
	stop_worker(&d->outbox);
}

static gboolean
on_term(gpointer data)
{
	struct daemon *d = data;

	log_info("stage=daemon event=stopping");
	sd_notify_state("STOPPING=1");
	g_main_loop_quit(d->loop);
	return G_SOURCE_CONTINUE;
}

static gboolean
on_hup(gpointer data)
{
	struct daemon *d = data;
	struct pd_config *cfg;
	struct mac_key key;
	char *state = g_strdup_printf("RELOADING=1\nMONOTONIC_USEC=%" G_GINT64_FORMAT,
	    g_get_monotonic_time());

	/* systemd 253+ needs the monotonic time with RELOADING=1. */
	sd_notify_state(state);
	g_free(state);
	cfg = load_config(d->config_path, 0);

	/* The running key and configuration stay untouched until the new
	 * ones proved valid and every worker has stopped. */
	if (!cfg || prepare(cfg, &key, strcmp(cfg->key_file,
	    d->cfg->key_file) != 0) != 0) {
		log_warnx("stage=daemon event=reload-refused "
		    "reason=\"configuration has errors; keeping the old one\"");
		config_free(&cfg);
		sd_notify_state("READY=1");
		return G_SOURCE_CONTINUE;
	}
	stop_workers(d);
	mac_key_use(&key);
	config_free(&d->cfg);
	d->cfg = cfg;
	start_workers(d);
	log_info("stage=daemon event=reloaded");
	sd_notify_state("READY=1");
	return G_SOURCE_CONTINUE;
}

int
main(int argc, char **argv)
{
	struct daemon d = { .config_path = DEFAULT_CONFIG };
	struct mac_key key;
	int ch, check = 0, verbose = 0;
	enum pd_log_target target = PD_LOG_AUTO;
	enum pd_log_level level = PD_LOG_INFO;

	static const struct option longopts[] = {
		{ "config", required_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 } };

	while ((ch = getopt_long(argc, argv, "c:fnvql:L:hV", longopts, NULL)) !=
	    -1) {
		switch (ch) {
		case 'h': help(); break;
		case 'V':
			printf("postdeskd %s (database schema %d)\n",
			    PD_VERSION, DB_SCHEMA_VERSION);
			return EX_OK;
		case 'c': d.config_path = optarg; break;
		case 'f': break; /* we never fork: systemd and tests want that */
		case 'n': check++; break;
		case 'v': verbose = 1; level = PD_LOG_DEBUG; break;
		case 'q': level = PD_LOG_WARNING; break;
		case 'l':
			if (strcmp(optarg, "syslog") == 0)
				target = PD_LOG_SYSLOG;
			else if (strcmp(optarg, "stderr") == 0)
				target = PD_LOG_AUTO;
			else
				usage();
			break;
		case 'L':
			if (log_level_parse(optarg, &level) != 0)
				usage();
			break;
		default: usage();
		}
	}
	if (optind != argc)
		usage();
	log_init("postdeskd", verbose);
	log_setup(target, level);
	/* libetpan writes to sockets without MSG_NOSIGNAL. */
	signal(SIGPIPE, SIG_IGN);
	g_mime_init();
	if (!(d.cfg = load_config(d.config_path, check)))
		return 1;
	if (check) {
		int bad = file_checks(d.cfg, 1);

		if (check > 1)
			config_dump(d.cfg, stdout);
		else if (!bad)
			printf("configuration OK\n");
		config_free(&d.cfg);
		return bad ? 1 : 0;
	}
	if (prepare(d.cfg, &key, true) != 0) {
		config_free(&d.cfg);
		return 1;
	}
	mac_key_use(&key);
	if (drop_privileges(d.cfg) != 0) {
		config_free(&d.cfg);
		return 1;
	}
	d.loop = g_main_loop_new(NULL, FALSE);
	g_unix_signal_add(SIGTERM, on_term, &d);
	g_unix_signal_add(SIGINT, on_term, &d);
	g_unix_signal_add(SIGHUP, on_hup, &d);
	start_workers(&d);
	sd_notify_state("READY=1");
	g_main_loop_run(d.loop);
	stop_workers(&d);
	g_main_loop_unref(d.loop);
	config_free(&d.cfg);
	mac_reset();
	g_mime_shutdown();
	log_info("stage=daemon event=stopped");
	return 0;
}
