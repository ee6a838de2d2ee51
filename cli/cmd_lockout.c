/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_lockout 3
/* SUMMARY
/*	md5gate lockout
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_lockout(argc, argv)
/* DESCRIPTION
/*	md5gate lockout list [TARGET] [--config FILE | --store PATH]
/*	prints a header line, then the entries of the lockout store, one
/*	line each: key, failures in the current window, first and last
/*	failure (ISO 8601, UTC), and the end of the lock or "-" when the
/*	key is not locked now. A key is printed as one word: UTF-8 text
/*	as itself, through the command's one escaper, and spaces of every
/*	kind escaped as well.
/*
/*	md5gate lockout clear TARGET | --all [--config FILE | --store PATH]
/*	forgets the failures and locks of TARGET or of everything.
/*
/*	md5gate lockout prune [--older-than DURATION] [--config FILE |
/*	--store PATH] removes from an LMDB store the entries that count for
/*	nothing any more (mg_lockout_expire(): not locked, and the lock has
/*	ended or the window has passed) and says how many. The window is
/*	DURATION, else the longest lockout_window that the configuration
/*	file gives CRAM-MD5 and DIGEST-MD5 (read for that also with --store):
/*	with it, pruning changes no decision. It runs beside smtpd processes
/*	that hold the store open: LMDB serialises the write transactions of
/*	every process. A Redis store needs no pruning, since Redis expires
/*	each key itself at the end of its window or lock; prune says so and
/*	does nothing.
/*
/*	TARGET is an account, as libsasl2 canonicalises it (both of its
/*	counters: user:NAME and trusted-user:NAME, or the digest keys that
/*	mg_lockout_key() gives a long name), or a client address or
/*	network ADDR[/BITS] (every address counter that overlaps it: the
/*	/64 counter of an IPv6 address, the /24 counters inside a /16).
/*	A word with a ":" or "/", or of digits and dots, is taken for an
/*	address; --account NAME and --address ADDR[/BITS] say which
/*	explicitly. Names that libsasl2 could not have produced (white
/*	space at either end, control characters) and malformed addresses
/*	are refused with the reason.
/*
/*	The store is --store PATH (LMDB) or --redis URL (Redis), else
/*	what the [global] section of --config FILE, else of md5gate's
/*	configuration file when it exists, says (lockout_backend,
/*	lockout_store, lockout_redis, lockout_redis_prefix), else the
/*	default LMDB path. Only those settings (and lockout_max_entries,
/*	which sizes the map as the plugin does) are read here; the rest of
/*	the file is md5gate policy check's business. The command never
/*	creates an LMDB store: a missing one means the path is wrong or
/*	nothing was ever counted, and either deserves a message. A Redis
/*	store is the one every relay sharing it uses: what is cleared there
/*	is cleared for all of them.
/*--*/
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>


#include "cli.h"
#include "lockout.h"
#include "lockout_store.h"
#include "mg_config.h"

#define STORE_OPTS	"[--config FILE | --store PATH | --redis URL [--prefix PREFIX]]"
#define TARGET_OPTS	"ACCOUNT | ADDR[/BITS] | --account NAME | --address ADDR[/BITS]"
#define LIST_USAGE	"md5gate lockout list [" TARGET_OPTS "]\n       " STORE_OPTS
#define CLEAR_USAGE	"md5gate lockout clear " TARGET_OPTS " | --all\n       " \
			STORE_OPTS
#define PRUNE_USAGE	"md5gate lockout prune [--older-than DURATION]\n       " STORE_OPTS

#define STORE_HELP \
"  --config FILE          read lockout_backend, lockout_store, lockout_redis\n" \
"                         and lockout_redis_prefix (and lockout_max_entries)\n" \
"                         from FILE's [global] section (default:\n" \
"                         " MG_CONFIG_DEFAULT_PATH ", when it exists)\n" \
"  --store PATH           the store itself (default: " MG_LOCKOUT_DEFAULT_STORE ")\n" \
"  --redis URL            a Redis store: redis://[USER:PASSWORD-FILE@]HOST[:PORT][/DB]\n" \
"                         or unix:/PATH[?db=N]\n" \
"  --prefix PREFIX        the Redis store's key prefix (default: " \
MG_LOCKOUT_REDIS_DEFAULT_PREFIX ")\n" \
"  --help                 show this text\n"

#define TARGET_HELP \
"  ACCOUNT                the account as libsasl2 canonicalises it (e.g.\n" \
"                         intercom@example.test): both of its counters\n" \
"  ADDR[/BITS]            the address counters overlapping this address or\n" \
"                         network (an IPv6 address is counted per /64)\n" \
"  --account NAME         NAME is an account, whatever it looks like\n" \
"  --address ADDR[/BITS]  ADDR is an address or network\n"

static const char group_help[] =
"usage: " LIST_USAGE "\n"
"       " CLEAR_USAGE "\n"
"       " PRUNE_USAGE "\n"
"\n"
"Show or clear the failure counters and locks of the lockout store, or\n"
"remove the entries that count for nothing any more.\n"
"'md5gate lockout list --help' (clear, prune) says more.\n";

static const char list_help[] =
"usage: " LIST_USAGE "\n"
"\n"
"Print a header, then one line per entry: the key (user:ACCOUNT,\n"
"trusted-user:ACCOUNT, addr:ADDRESS or addr:NETWORK/BITS; a long account is\n"
"user#sha256:HEX, the SHA-256 of its name), the failures in\n"
"the current window, the first and the last failure, and the end of the\n"
"lock or - when not locked (times in UTC).\n"
"\n"
TARGET_HELP
STORE_HELP;

static const char clear_help[] =
"usage: " CLEAR_USAGE "\n"
"\n"
"Forget the failures and the locks of an account, of a client address or\n"
"network, or of every key.\n"
"\n"
TARGET_HELP
"  --all                  every entry\n"
STORE_HELP;

 /*
  * Which subcommand.
  */
enum lockout_verb {
    LOCKOUT_LIST,
    LOCKOUT_CLEAR,
    LOCKOUT_PRUNE,
};

static const char prune_help[] =
"usage: " PRUNE_USAGE "\n"
"\n"
"Remove the entries of an LMDB lockout store that are not locked and whose\n"
"lock has ended or whose window has passed: the next failure would start\n"
"them afresh. Safe while smtpd runs. A Redis store expires its keys itself.\n"
"\n"
"  --older-than DURATION  the window: seconds, or a number with s, m, h or d\n"
"                         (default: the longest lockout_window of the\n"
"                         configuration file, also read with --store; a\n"
"                         shorter one forgets failures that still count)\n"
STORE_HELP;

 /*
  * What the command line says.
  */
struct lockout_args {
    enum lockout_verb verb;
    const char *older_than;		/* prune: the window */
    const char *target;			/* ACCOUNT or ADDR[/BITS] */
    const char *user;			/* the account */
    const char *address;
    struct mg_addr net;		/* address, parsed */
    unsigned prefix;
    int     all;
    const char *config;
    const char *store;
    const char *redis;
    const char *key_prefix;		/* --prefix: the Redis store's */
    /* The account's two counters, named as the plugin names them. */
    char    user_key[MG_LOCKOUT_KEY_MAX + 1];
    char    trusted_key[MG_LOCKOUT_KEY_MAX + 1];
};

 /*
  * Prune without --older-than takes the window from the configuration,
  * with --store too (only the store is overridden).
  */
static int needs_window(const struct lockout_args *args)
{
    return (args->verb == LOCKOUT_PRUNE && args->older_than == 0 && args->redis == 0);
}

 /*
  * Which store: --store or --redis (with --prefix), else the
  * configuration file's settings read exactly as the plugin reads them
  * (comments, duplicates and continuation lines included), else the
  * default. A file named with --config must exist; the default may be
  * absent. *cfg points into *conf, which the caller frees.
  */
static int find_store(const struct lockout_args *args, struct mg_config *conf,
		              struct mg_lockout_store_config *cfg)
{
    struct mg_error err;

    mg_config_init(conf);
    if (((args->store == 0 && args->redis == 0) || needs_window(args))
	&& mg_config_load_option(args->config, conf, &err) != MG_OK)
	return (cli_error(CLI_TROUBLE, "%s; md5gate policy check says more", err.reason));
    mg_policy_lockout_store_config(&conf->policy, cfg);
    if (args->store) {
	cfg->backend = MG_LOCKOUT_BACKEND_LMDB;
	cfg->path = args->store;
    }
    if (args->redis) {
	cfg->backend = MG_LOCKOUT_BACKEND_REDIS;
	cfg->redis_url = args->redis;
    }
    if (args->key_prefix)
	cfg->redis_prefix = args->key_prefix;
    return (CLI_OK);
}

 /*
  * An LMDB store must exist: the command never creates one.
  */
static int lmdb_exists(const char *path)
{
    struct stat st;

    if (stat(path, &st) == 0)
	return (CLI_OK);
    if (errno == ENOENT)
	return (cli_error(CLI_TROUBLE, "no lockout store at %s: nothing was counted "
			  "there yet, or lockout_store names another file", path));
    return (cli_error(CLI_TROUBLE, "lockout store %s: %s", path, strerror(errno)));
}

 /*
  * Open an existing store; a missing LMDB file is an error, not created.
  */
static int open_store(const struct lockout_args *args, struct mg_lockout_store **lo)
{
    struct mg_lockout_store_config cfg;
    struct mg_config conf;
    struct mg_error err;
    int     ret;

    if ((ret = find_store(args, &conf, &cfg)) != CLI_OK) {
	mg_config_free(&conf);
	return (ret);
    }
    if (cfg.backend == MG_LOCKOUT_BACKEND_LMDB && (ret = lmdb_exists(cfg.path)) != CLI_OK) {
	mg_config_free(&conf);
	return (ret);
    }
    if (mg_lockout_store_open(&cfg, lo, &err) != MG_OK)
	ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    mg_config_free(&conf);
    return (ret);
}

 /*
  * A word that can only be meant as an address or network.
  */
static int looks_like_address(const char *word)
{
    return (strchr(word, ':') != 0 || strchr(word, '/') != 0
	    || strspn(word, "0123456789.") == strlen(word));
}

static int printable_word(const char *s)
{
    for (; *s; s++)
	if ((unsigned char) *s < 0x20 || *s == 0x7f)
	    return (0);
    return (1);
}

 /*
  * The target must be something the plugin can have counted: an
  * account as libsasl2 canonicalises it, or an address or network.
  */
static int check_target(struct lockout_args *args, const char *usage)
{
    struct mg_error err;
    size_t  len;

    if (args->address) {
	if (mg_addr_parse_network(args->address, &args->net, &args->prefix,
				     &err) == MG_OK)
	    return (CLI_OK);
	if (printable_word(args->address) && strlen(args->address) <= 60)
	    return (cli_usage_error(usage, "\"%s\" is not an address or network: %s",
				    args->address, err.reason));
	return (cli_usage_error(usage, "the address is not an address or network: %s",
				err.reason));
    }
    if (args->user == 0)
	return (CLI_OK);
    len = strlen(args->user);
    if (!printable_word(args->user))
	return (cli_usage_error(usage, "the account contains a control character; "
				"libsasl2 never hands such a name to md5gate"));
    if (strchr(" \t", args->user[0]) || strchr(" \t", args->user[len - 1]))
	return (cli_usage_error(usage, "\"%s\" is not an account: libsasl2 removes "
				"white space at either end of a name before md5gate "
				"counts it", args->user));
    /* A long account is counted under a digest of its name: find that. */
    if (mg_lockout_key(args->user_key, "user", args->user) == 0
	|| mg_lockout_key(args->trusted_key, "trusted-user", args->user) == 0)
	return (cli_error(CLI_TROUBLE, "cannot compute the account's lockout keys"));
    return (CLI_OK);
}

 /*
  * Whether an entry belongs to the target: both counters of the
  * account; the address counters that overlap the network.
  */
static int selected(const struct lockout_args *args, const char *key)
{
    struct mg_addr net;
    unsigned prefix;

    if (args->user)
	return (strcmp(key, args->user_key) == 0 || strcmp(key, args->trusted_key) == 0);
    if (args->address == 0)
	return (1);
    if (strncmp(key, "addr:", 5) != 0
	|| mg_addr_parse_network(key + 5, &net, &prefix, 0) != MG_OK)
	return (0);
    return (prefix <= args->prefix ?
	    mg_addr_in_network(&net, prefix, &args->net) :
	    mg_addr_in_network(&args->net, args->prefix, &net));
}

 /*
  * Where in the store the target's keys are.
  */
static const char *key_prefix(const struct lockout_args *args)
{
    return (args->address ? "addr:" : 0);
}

static void print_time(time_t t)
{
    struct tm tm;
    char    buf[sizeof("-9999999999-12-31T23:59:59Z") + 8];

    if (gmtime_r(&t, &tm) == 0
	|| strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
	printf(" @%lld", (long long) t);
    else
	printf(" %s", buf);
}

struct list_state {
    const struct lockout_args *args;
    time_t  now;
    size_t  count;
};

 /*
  * The UTF-8 spellings of the characters that look like a space (Unicode
  * "Zs" beside U+0020): inside a key they would shift the columns as a
  * space would. Each starts with a lead byte, which is never inside
  * another character, so finding one at p means a character starts at p.
  */
static const struct {
    const char *utf8;
    unsigned code;
}       wide_spaces[] = {
    {"\xc2\xa0", 0x00a0}, {"\xe1\x9a\x80", 0x1680}, {"\xe2\x80\xaf", 0x202f},
    {"\xe2\x81\x9f", 0x205f}, {"\xe3\x80\x80", 0x3000},
};

 /*
  * The length of the space-like character at p (0: none), and its escape.
  */
static size_t space_at(const char *p, char *esc, size_t size)
{
    const unsigned char *u = (const unsigned char *) p;
    size_t  i, n;

    if (*p == ' ') {
	snprintf(esc, size, "\\x20");
	return (1);
    }
    /* U+2000 to U+200A: E2 80 80 to E2 80 8A */
    if (u[0] == 0xe2 && u[1] == 0x80 && u[2] >= 0x80 && u[2] <= 0x8a) {
	snprintf(esc, size, "\\u{%04x}", 0x2000 + (u[2] - 0x80));
	return (3);
    }
    for (i = 0; i < sizeof(wide_spaces) / sizeof(wide_spaces[0]); i++) {
	n = strlen(wide_spaces[i].utf8);
	if (strncmp(p, wide_spaces[i].utf8, n) == 0) {
	    snprintf(esc, size, "\\u{%04x}", wide_spaces[i].code);
	    return (n);
	}
    }
    return (0);
}

 /*
  * A key as one word. Keys hold peer-supplied names: the runs between
  * spaces go whole to the command's escaper (UTF-8 letters print as
  * themselves; controls, C1, bidi and invalid bytes are escaped), and
  * the spaces are escaped too, which would otherwise shift the columns.
  * A space is never inside a character, so no run cuts one in two.
  */
static void print_key(const char *key)
{
    const char *run = key, *p = key;
    char    esc[16];
    size_t  n;

    while (*p) {
	if ((n = space_at(p, esc, sizeof(esc))) == 0) {
	    p++;
	    continue;
	}
	cli_print_escaped(stdout, run, (size_t) (p - run));
	fputs(esc, stdout);
	p += n;
	run = p;
    }
    cli_print_escaped(stdout, run, (size_t) (p - run));
}

 /*
  * One line per entry, the key a single column.
  */
static int print_entry(const struct mg_lockout_entry *e, void *context)
{
    struct list_state *st = context;

    if (!selected(st->args, e->key))
	return (1);
    print_key(e->key);
    printf(" %u", e->failures);
    print_time(e->first_failure);
    print_time(e->last_failure);
    if (e->locked_until > st->now)
	print_time(e->locked_until);
    else
	fputs(" -", stdout);
    putchar('\n');
    st->count++;
    return (1);
}

static int lockout_list(const struct lockout_args *args)
{
    struct mg_lockout_store *lo;
    struct list_state st;
    struct mg_error err;
    int     ret;

    if ((ret = open_store(args, &lo)) != CLI_OK)
	return (ret);
    st.args = args;
    st.now = time((time_t *) 0);
    st.count = 0;
    puts("KEY FAILURES FIRST-FAILURE LAST-FAILURE LOCKED-UNTIL");
    if (mg_lockout_store_list(lo, key_prefix(args), print_entry, &st, &err) != MG_OK)
	ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    mg_lockout_store_close(lo);
    if (ret != CLI_OK)
	return (ret);
    return (cli_finish_output());
}

 /*
  * The keys to clear, collected first: the store cannot be changed
  * from inside its listing.
  */
struct doomed {
    const struct lockout_args *args;
    char  **keys;
    size_t  count;
    int     nomem;
};

static int collect_key(const struct mg_lockout_entry *e, void *context)
{
    struct doomed *d = context;
    char  **keys;

    if (!selected(d->args, e->key))
	return (1);
    if ((keys = realloc(d->keys, (d->count + 1) * sizeof(*keys))) == 0
	|| (keys[d->count] = strdup(e->key)) == 0) {
	if (keys)
	    d->keys = keys;
	d->nomem = 1;
	return (0);
    }
    d->keys = keys;
    d->count++;
    return (1);
}

static int lockout_clear(const struct lockout_args *args)
{
    struct mg_lockout_store *lo;
    struct mg_error err;
    struct doomed d;
    size_t  removed, i, total = 0;
    int     ret;

    if ((ret = open_store(args, &lo)) != CLI_OK)
	return (ret);
    memset(&d, 0, sizeof(d));
    d.args = args;
    if (args->all) {
	if (mg_lockout_store_clear(lo, 0, &total, &err) != MG_OK)
	    ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    } else if (mg_lockout_store_list(lo, key_prefix(args), collect_key, &d,
				     &err) != MG_OK) {
	ret = cli_error(CLI_TROUBLE, "%s", err.reason);
    } else if (d.nomem) {
	ret = cli_error(CLI_TROUBLE, "out of memory");
    }
    for (i = 0; ret == CLI_OK && i < d.count; i++) {
	if (mg_lockout_store_clear(lo, d.keys[i], &removed, &err) != MG_OK) {
	    ret = cli_error(CLI_TROUBLE, "%s", err.reason);
	    break;
	}
	if (removed) {
	    total += removed;
	    print_key(d.keys[i]);
	    puts(": cleared");
	}
    }
    for (i = 0; i < d.count; i++)
	free(d.keys[i]);
    free(d.keys);
    mg_lockout_store_close(lo);
    if (ret != CLI_OK)
	return (ret);
    if (args->all)
	printf("%zu %s cleared\n", total, total == 1 ? "entry" : "entries");
    else if (total == 0)
	printf("no entry for %s %s\n", args->user ? "account" : "address",
	       args->user ? args->user : args->address);
    return (cli_finish_output());
}

 /*
  * The window of prune: --older-than, read as lockout_window is read;
  * else the longest that the configuration gives either mechanism.
  */
static int prune_window(const struct lockout_args *args, const struct mg_config *conf,
			        time_t *window)
{
    static const char *mechs[] = {"CRAM-MD5", "DIGEST-MD5"};
    struct mg_lockout_limits lim;
    struct mg_config scratch;
    char    why[256];
    size_t  i;
    int     by_address, ok;

    *window = 0;
    if (args->older_than) {
	mg_config_init(&scratch);
	ok = mg_policy_set(&scratch.policy, MG_POLICY_GLOBAL, "lockout_window",
			   args->older_than, why, sizeof(why)) == 1;
	if (ok) {
	    (void) mg_policy_lockout(&scratch.policy, mechs[0], &lim, &by_address, 0, 0);
	    *window = (time_t) lim.window;
	}
	mg_config_free(&scratch);
	if (!ok)
	    return (cli_usage_error(PRUNE_USAGE, "--older-than: not a duration: seconds, "
				    "or a number with s, m, h or d (e.g. 900, 15m, 1h, 1d)"));
	return (CLI_OK);
    }
    for (i = 0; i < sizeof(mechs) / sizeof(mechs[0]); i++) {
	(void) mg_policy_lockout(&conf->policy, mechs[i], &lim, &by_address, 0, 0);
	if ((time_t) lim.window > *window)
	    *window = (time_t) lim.window;
    }
    return (CLI_OK);
}

 /*
  * Remove what counts for nothing any more, from an LMDB store; a Redis
  * store expires its keys itself, and the command says so rather than
  * pretend to have pruned it.
  */
static int lockout_prune(const struct lockout_args *args)
{
    struct mg_lockout_store_config cfg;
    struct mg_config conf;
    struct mg_lockout *lo;
    struct mg_error err;
    const char *path;
    time_t  window;
    size_t  removed = 0;
    int     ret;

    if ((ret = find_store(args, &conf, &cfg)) != CLI_OK
	|| (ret = prune_window(args, &conf, &window)) != CLI_OK) {
	mg_config_free(&conf);
	return (ret);
    }
    if (cfg.backend == MG_LOCKOUT_BACKEND_REDIS) {
	mg_config_free(&conf);
	puts("nothing to prune: the lockout store is on Redis, which removes each "
	     "key itself at the end of its window or lock");
	return (cli_finish_output());
    }
    path = cfg.path ? cfg.path : MG_LOCKOUT_DEFAULT_STORE;
    if ((ret = lmdb_exists(path)) == CLI_OK) {
	if (mg_lockout_open(path, cfg.max_entries ? cfg.max_entries : MG_LOCKOUT_DEFAULT_MAX,
			    &lo, &err) != MG_OK) {
	    ret = cli_error(CLI_TROUBLE, "%s", err.reason);
	} else {
	    if (mg_lockout_expire(lo, time((time_t *) 0), window, &removed, &err) != MG_OK)
		ret = cli_error(CLI_TROUBLE, "%s", err.reason);
	    mg_lockout_close(lo);
	}
    }
    mg_config_free(&conf);
    if (ret != CLI_OK)
	return (ret);
    printf("%zu %s pruned (not locked; lock ended or window of %llds passed)\n",
	   removed, removed == 1 ? "entry" : "entries", (long long) window);
    return (cli_finish_output());
}

 /*
  * The subcommands take the same options; each refuses what it has no
  * use for.
  */
static int parse_args(int argc, char **argv, const char *usage, const char *help,
		              enum lockout_verb verb, struct lockout_args *args)
{
    static const struct option longopts[] = {
	{"account", required_argument, 0, 'u'},
	{"address", required_argument, 0, 'a'},
	{"all", no_argument, 0, 'A'},
	{"config", required_argument, 0, 'c'},
	{"store", required_argument, 0, 's'},
	{"redis", required_argument, 0, 'r'},
	{"prefix", required_argument, 0, 'p'},
	{"older-than", required_argument, 0, 'o'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    int     ch;
    int     is_clear = verb == LOCKOUT_CLEAR;

    memset(args, 0, sizeof(*args));
    args->verb = verb;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'a': args->address = optarg; break;
	case 'u': args->user = optarg; break;
	case 'A': args->all = 1; break;
	case 'c': args->config = optarg; break;
	case 's': args->store = optarg; break;
	case 'r': args->redis = optarg; break;
	case 'p': args->key_prefix = optarg; break;
	case 'o': args->older_than = optarg; break;
	case 'h':
	    cli_help(help);
	    return (-1);
	default:
	    return (cli_option_error(usage, ch, argv));
	}
    }
    if (optind < argc && verb != LOCKOUT_PRUNE)
	args->target = argv[optind++];
    if (optind < argc)
	return (cli_usage_error(usage, "unexpected argument \"%s\"", argv[optind]));
    if ((args->config != 0) + (args->store != 0) + (args->redis != 0) > 1)
	return (cli_usage_error(usage, "give one of --config, --store and --redis"));
    if (args->older_than && verb != LOCKOUT_PRUNE)
	return (cli_usage_error(usage, "--older-than is for prune"));
    if (verb == LOCKOUT_PRUNE && (args->user || args->address || args->all))
	return (cli_usage_error(usage, "prune takes no target: it removes every "
				"entry that counts for nothing any more"));
    if (args->key_prefix && args->redis == 0)
	return (cli_usage_error(usage, "--prefix goes with --redis (a configuration "
				"file gives lockout_redis_prefix)"));
    if ((args->target != 0) + (args->user != 0) + (args->address != 0) + args->all > 1)
	return (cli_usage_error(usage, "give only one of ACCOUNT, ADDR[/BITS], "
				"--account NAME, --address ADDR%s",
				is_clear ? " or --all" : ""));
    if (verb == LOCKOUT_LIST && args->all)
	return (cli_usage_error(usage, "--all is for clear; list shows all "
				"without it"));
    if (is_clear && !args->target && !args->user && !args->address && !args->all)
	return (cli_usage_error(usage, "say what to clear: ACCOUNT, ADDR[/BITS] "
				"or --all"));
    if ((args->target && *args->target == 0) || (args->user && *args->user == 0)
	|| (args->address && *args->address == 0))
	return (cli_usage_error(usage, "an empty name matches no entry"));
    if (args->target) {
	if (looks_like_address(args->target))
	    args->address = args->target;
	else
	    args->user = args->target;
    }
    return (check_target(args, usage));
}

int     cli_lockout(int argc, char **argv)
{
    struct lockout_args args;
    int     ret;

    cli_prog = "md5gate lockout";
    if (argc < 2)
	return (cli_usage_error(0, "no lockout command given (list, clear or prune)"));
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	return (cli_help(group_help));
    if (strcmp(argv[1], "list") == 0) {
	cli_prog = "md5gate lockout list";
	if ((ret = parse_args(argc - 1, argv + 1, LIST_USAGE, list_help, LOCKOUT_LIST,
			      &args)) != 0)
	    return (ret < 0 ? cli_finish_output() : ret);
	return (lockout_list(&args));
    }
    if (strcmp(argv[1], "clear") == 0) {
	cli_prog = "md5gate lockout clear";
	if ((ret = parse_args(argc - 1, argv + 1, CLEAR_USAGE, clear_help, LOCKOUT_CLEAR,
			      &args)) != 0)
	    return (ret < 0 ? cli_finish_output() : ret);
	return (lockout_clear(&args));
    }
    if (strcmp(argv[1], "prune") == 0) {
	cli_prog = "md5gate lockout prune";
	if ((ret = parse_args(argc - 1, argv + 1, PRUNE_USAGE, prune_help, LOCKOUT_PRUNE,
			      &args)) != 0)
	    return (ret < 0 ? cli_finish_output() : ret);
	return (lockout_prune(&args));
    }
    return (cli_usage_error(0, "unknown lockout command \"%s\"", argv[1]));
}
