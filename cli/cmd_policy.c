/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_policy 3
/* SUMMARY
/*	md5gate policy check|explain
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_policy(argc, argv)
/* DESCRIPTION
/*	"md5gate policy check [--all] [FILE]" reads the configuration file
/*	the way the plugin does and prints what it sets, as a configuration
/*	file that reads back to the same policy; with --all every other
/*	setting follows as a comment with its effective value and where
/*	that comes from. An invalid file is reported as "file:line: what is
/*	wrong" (exit 1): the plugin would disable its mechanisms. A file
/*	that cannot be read, or is not a regular file, is exit 2 (a device
/*	such as /dev/zero is refused before anything is read from it).
/*
/*	"md5gate policy explain" runs the plugin's decision for one
/*	attempt described on the command line and prints the decision, the
/*	rule that made it and the mode (exit 0 allow, 1 deny).
/*--*/
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "mg_config.h"
#include "policy.h"

#define CHECK_USAGE	"md5gate policy check [--all] [FILE]"
#define EXPLAIN_USAGE	"md5gate policy explain --mech M --user U [--realm R] " \
	"[--client ADDR]\n       [--server ADDR:PORT] [--service S] [--ssf N] " \
	"[--tls yes|no] [--side server|client]\n       [--config FILE]"

static const char group_help[] =
"usage: " CHECK_USAGE "\n"
"       " EXPLAIN_USAGE "\n"
"\n"
"Validate md5gate's policy, or show what it decides for one attempt.\n"
"'md5gate policy check --help' and 'md5gate policy explain --help' say more.\n";

static const char check_help[] =
"usage: " CHECK_USAGE "\n"
"\n"
"Read FILE (default: " MG_CONFIG_DEFAULT_PATH ") as the plugin does and print\n"
"the settings it gives, as a configuration file that reads back the same.\n"
"An invalid file is reported as FILE:LINE: what is wrong, with exit status 1;\n"
"a file that cannot be read or is not a regular file is exit status 2.\n"
"\n"
"  --all    also every other setting, as a comment with its effective value\n"
"           and where it comes from (default, or from [global])\n"
"  --help   show this text\n";

static const char explain_help[] =
"usage: " EXPLAIN_USAGE "\n"
"\n"
"Print the decision (allow or deny), the rule that made it and the mode\n"
"for one attempt; exit status 0 for allow, 1 for deny.\n"
"\n"
"  --mech M               CRAM-MD5 or DIGEST-MD5\n"
"  --user U               the authentication id (alice or alice@realm)\n"
"  --realm R              the realm the user is looked up in\n"
"  --client ADDR          the client's address (default: none given)\n"
"  --server ADDR:PORT     the listener ([IPV6]:PORT for IPv6; default: none)\n"
"  --service S            the service (default: smtp)\n"
"  --ssf N                the external SSF the application sets (default: 0)\n"
"  --tls yes|no           yes: the session is under TLS, as Postfix shows it\n"
"                         with the recipe in md5gate(8) (no noplaintext flag);\n"
"                         no (default): plaintext, noplaintext requested\n"
"  --side server|client   which side's rules (default: server); for the\n"
"                         client side --client is the server's address\n"
"  --config FILE          the configuration (default: " MG_CONFIG_DEFAULT_PATH ")\n"
"  --help                 show this text\n";

 /*
  * The file as the plugin would read it, refused at once when it is not
  * a regular file: a device or a FIFO could be read for ever. The open
  * does not wait for a FIFO's writer. Returns CLI_OK (found says whether
  * the file exists), CLI_NEGATIVE for an invalid file, CLI_TROUBLE when
  * it cannot be read.
  */
static int load_regular(const char *path, struct mg_config *cfg, int *found)
{
    struct mg_error err;
    struct stat st;
    FILE   *fp;
    int     fd, ret;

    mg_config_init(cfg);
    *found = 0;
    if ((fd = open(path, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)) < 0) {
	if (errno == ENOENT)
	    return (CLI_OK);
	return (cli_error(CLI_TROUBLE, "%s: cannot open: %s", path, strerror(errno)));
    }
    if (fstat(fd, &st) < 0) {
	ret = cli_error(CLI_TROUBLE, "%s: cannot stat: %s", path, strerror(errno));
	close(fd);
	return (ret);
    }
    if (!S_ISREG(st.st_mode)) {
	ret = cli_error(CLI_TROUBLE, "%s: not a regular file (%s)", path,
			S_ISDIR(st.st_mode) ? "a directory" : S_ISCHR(st.st_mode) ?
			"a character device" : S_ISFIFO(st.st_mode) ? "a FIFO" :
			S_ISSOCK(st.st_mode) ? "a socket" : S_ISBLK(st.st_mode) ?
			"a block device" : "unknown type");
	close(fd);
	return (ret);
    }
    if ((fp = fdopen(fd, "r")) == 0) {
	close(fd);
	return (cli_error(CLI_TROUBLE, "%s: cannot read: %s", path, strerror(errno)));
    }
    if (mg_config_load_stream(fp, path, cfg, &err) != MG_OK) {
	fclose(fp);
	fprintf(stderr, "%s\n", err.reason);
	return (err.code == MG_MALFORMED ? CLI_NEGATIVE : CLI_TROUBLE);
    }
    if (ferror(fp))
	ret = cli_error(CLI_TROUBLE, "%s: cannot read: %s", path, strerror(errno));
    else
	ret = CLI_OK;
    fclose(fp);
    if (ret != CLI_OK)
	mg_config_free(cfg);
    *found = (ret == CLI_OK);
    return (ret);
}

static int policy_check(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"all", no_argument, 0, 'a'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    struct mg_config cfg;
    const char *path = MG_CONFIG_DEFAULT_PATH;
    unsigned flags = 0;
    int     found = 0, ch, ret;

    cli_prog = "md5gate policy check";
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'a':
	    flags |= MG_POLICY_PRINT_ALL;
	    break;
	case 'h':
	    return (cli_help(check_help));
	default:
	    return (cli_usage_error(CHECK_USAGE, "unknown option %s", argv[optind - 1]));
	}
    }
    if (argc - optind > 1)
	return (cli_usage_error(CHECK_USAGE, "unexpected argument \"%s\"",
				argv[optind + 1]));
    if (argc - optind == 1)
	path = argv[optind];
    if ((ret = load_regular(path, &cfg, &found)) != CLI_OK)
	return (ret);
    /* The header is a comment line: a path with a newline must not end it. */
    fputs("# ", stdout);
    cli_print_escaped(stdout, path, strlen(path));
    if (!found)
	puts(flags ? " does not exist: md5gate uses the defaults:"
	     : " does not exist: md5gate uses the defaults (--all shows them)");
    else
	puts(flags ? ": valid; every setting, those it does not give as comments:"
	     : ": valid; the settings it gives (--all shows every setting):");
    mg_config_print(&cfg, flags, stdout);
    mg_config_free(&cfg);
    return (cli_finish_output());
}

 /*
  * "ADDR:PORT" or "[V6]:PORT" as the plugin sees it: "ADDR;PORT".
  */
static int endpoint(const char *arg, char *buf, size_t size)
{
    const char *colon = strrchr(arg, ':');
    const char *host = arg;
    size_t  len;

    if (colon == 0 || colon[1] == 0)
	return (0);
    len = (size_t) (colon - arg);
    if (arg[0] == '[') {
	if (len < 3 || arg[len - 1] != ']')
	    return (0);
	host = arg + 1;
	len -= 2;
    } else if (memchr(arg, ':', len) != 0) {
	return (0);				/* IPv6 needs brackets */
    }
    if (len + strlen(colon) + 1 > size)
	return (0);
    snprintf(buf, size, "%.*s;%s", (int) len, host, colon + 1);
    return (1);
}

 /*
  * The name the plugin's policy sees: libsasl2's canonicaliser removes
  * white space at either end, and the plugin matches a name in the realm
  * it is looked up in without that realm ("alice" for alice@REALM).
  */
static const char *canonical_user(const char *typed, const char *realm,
				          char *buf, size_t size)
{
    const char *end, *at;
    size_t  len;

    while (*typed && isspace((unsigned char) *typed))
	typed++;
    for (end = typed + strlen(typed); end > typed && isspace((unsigned char) end[-1]); end--)
	 /* void */ ;
    len = (size_t) (end - typed);
    if (len == 0 || len >= size)
	return (0);
    memcpy(buf, typed, len);
    buf[len] = 0;
    if (realm && *realm && (at = strrchr(buf, '@')) != 0 && at > buf
	&& strcasecmp(at + 1, realm) == 0)
	buf[at - buf] = 0;
    return (buf);
}

static int policy_explain(int argc, char **argv)
{
    static const struct option longopts[] = {
	{"mech", required_argument, 0, 'm'},
	{"user", required_argument, 0, 'u'},
	{"realm", required_argument, 0, 'r'},
	{"client", required_argument, 0, 'c'},
	{"server", required_argument, 0, 's'},
	{"service", required_argument, 0, 'S'},
	{"ssf", required_argument, 0, 'f'},
	{"tls", required_argument, 0, 't'},
	{"side", required_argument, 0, 'd'},
	{"config", required_argument, 0, 'C'},
	{"help", no_argument, 0, 'h'},
	{0, 0, 0, 0},
    };
    struct mg_policy_facts facts;
    struct mg_policy_decision d;
    struct mg_config cfg;
    struct mg_policy_addr addr;
    const char *path = MG_CONFIG_DEFAULT_PATH;
    char    local[128], *end;
    char    account[512];		/* more than libsasl2 hands a plugin */
    unsigned long ssf;
    int     ch, found;

    cli_prog = "md5gate policy explain";
    memset(&facts, 0, sizeof(facts));
    facts.side = MG_POLICY_SERVER;
    facts.service = "smtp";
    facts.noplaintext = 1;
    opterr = 0;
    optind = 1;
    while ((ch = getopt_long(argc, argv, ":h", longopts, 0)) != -1) {
	switch (ch) {
	case 'm':
	    if (mg_policy_mech_section(optarg, MG_POLICY_SERVER) < 0)
		return (cli_usage_error(EXPLAIN_USAGE, "--mech is CRAM-MD5 or DIGEST-MD5"));
	    facts.mech = optarg;
	    break;
	case 'u': facts.authid = optarg; break;
	case 'r': facts.realm = optarg; break;
	case 'c':
	    if (!mg_policy_parse_addr(optarg, 0, &addr))
		return (cli_usage_error(EXPLAIN_USAGE, "--client: \"%s\" is not an "
					"IPv4 or IPv6 address", optarg));
	    facts.remote = optarg;
	    break;
	case 's':
	    if (!endpoint(optarg, local, sizeof(local)))
		return (cli_usage_error(EXPLAIN_USAGE, "--server: \"%s\" is not "
					"ADDR:PORT or [IPV6]:PORT", optarg));
	    facts.local = local;
	    break;
	case 'S': facts.service = optarg; break;
	case 'f':
	    errno = 0;
	    ssf = strtoul(optarg, &end, 10);
	    if (*optarg < '0' || *optarg > '9' || *end != 0 || errno || ssf > 65535)
		return (cli_usage_error(EXPLAIN_USAGE, "--ssf: \"%s\" is not a number "
					"from 0 to 65535", optarg));
	    facts.external_ssf = (unsigned) ssf;
	    break;
	case 't':
	    if (strcasecmp(optarg, "yes") == 0)
		facts.noplaintext = 0;
	    else if (strcasecmp(optarg, "no") == 0)
		facts.noplaintext = 1;
	    else
		return (cli_usage_error(EXPLAIN_USAGE, "--tls is yes or no"));
	    break;
	case 'd':
	    if (strcasecmp(optarg, "server") == 0)
		facts.side = MG_POLICY_SERVER;
	    else if (strcasecmp(optarg, "client") == 0)
		facts.side = MG_POLICY_CLIENT;
	    else
		return (cli_usage_error(EXPLAIN_USAGE, "--side is server or client"));
	    break;
	case 'C': path = optarg; break;
	case 'h':
	    return (cli_help(explain_help));
	default:
	    return (cli_option_error(EXPLAIN_USAGE, ch, argv));
	}
    }
    if (argc != optind)
	return (cli_usage_error(EXPLAIN_USAGE, "unexpected argument \"%s\"", argv[optind]));
    if (facts.mech == 0 || facts.authid == 0)
	return (cli_usage_error(EXPLAIN_USAGE, "--mech and --user are required"));
    if ((facts.authid = canonical_user(facts.authid, facts.realm, account,
				       sizeof(account))) == 0)
	return (cli_usage_error(EXPLAIN_USAGE, "--user is empty, or longer than %zu bytes",
				sizeof(account) - 1));
    if (load_regular(path, &cfg, &found) != CLI_OK)
	return (CLI_TROUBLE);
    mg_policy_decide(&cfg.policy, &facts, &d);
    printf("decision: %s\n", d.allow ? "allow" : "deny");
    printf("rule: %s\n", d.allow ? "-" : d.rule);
    printf("mode: %s\n", d.enforced ? "enforce" : "audit-only");
    if (!d.allow)
	printf("reason: %s%s\n", d.reason, d.enforced ? "" :
	       " (audit-only: the attempt would go on and be recorded)");
    mg_config_free(&cfg);
    if (cli_finish_output() != CLI_OK)
	return (CLI_TROUBLE);
    return (d.allow ? CLI_OK : CLI_NEGATIVE);
}

int     cli_policy(int argc, char **argv)
{
    cli_prog = "md5gate policy";
    if (argc < 2)
	return (cli_usage_error(0, "give check or explain (md5gate policy --help)"));
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)
	return (cli_help(group_help));
    if (strcmp(argv[1], "check") == 0)
	return (policy_check(argc - 1, argv + 1));
    if (strcmp(argv[1], "explain") == 0)
	return (policy_explain(argc - 1, argv + 1));
    return (cli_usage_error(0, "unknown policy command \"%s\"", argv[1]));
}
