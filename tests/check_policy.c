/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Unit tests of the policy (src/policy.c) as md5gate's configuration
 * file (src/mg_config.c) reads it: every parser error with its line,
 * the decisions table by table, CIDR edge cases, audit-only mode and
 * the names of the rules.
 */
#include <arpa/inet.h>
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest/digest.h"
#include "mg_config.h"
#include "policy.h"

static void load(const char *text, struct mg_config *cfg)
{
    struct mg_error err;
    FILE   *fp = fmemopen((void *) text, strlen(text), "r");

    ck_assert_ptr_nonnull(fp);
    mg_config_init(cfg);
    ck_assert_msg(mg_config_load_stream(fp, "policy.conf", cfg, &err) == MG_OK,
		  "load failed: %s", err.reason);
    fclose(fp);
}

/* Parser errors: each with its line. */

struct bad {
    const char *text;
    const char *reason;
};

static const struct bad bads[] = {
    {"[cram-md5]\nmode = strict\n",
    "policy.conf:2: mode must be enforce or audit-only, not \"strict\""},
    {"[cram-md5]\n\nenabled = maybe\n",
    "policy.conf:3: enabled must be yes or no, not \"maybe\""},
    {"[global]\nenabled = no\n",
    "policy.conf:2: enabled is not allowed in [global]: give it in a mechanism section"},
    {"[digest-md5]\nuser_allow = alice\n",
    "policy.conf:2: unknown setting \"user_allow\" in [digest-md5]"},
    {"[cram-md5]\nnetworks_allow = 10.0.0.0/8 192.168.1.0/33\n",
    "policy.conf:2: networks_allow: \"192.168.1.0/33\" is not an address or network: "
    "prefix length 33 is longer than the address (32 bits)"},
    {"[cram-md5]\nnetworks_deny = 2001:db8::/129\n",
    "policy.conf:2: networks_deny: \"2001:db8::/129\" is not an address or network: "
    "prefix length 129 is longer than the address (128 bits)"},
    {"[global]\nnetworks_allow = 10.0.0.0/\n",
    "policy.conf:2: networks_allow: \"10.0.0.0/\" is not an address or network: "
    "the prefix length after / is not a number"},
    {"[global]\nnetworks_allow = lan\n",
    "policy.conf:2: networks_allow: \"lan\" is not an address or network: "
    "not an IPv4 or IPv6 address"},
    {"[global]\nnetworks_allow = 10.0.0.1/8\n",
    "policy.conf:2: networks_allow: \"10.0.0.1/8\" is not an address or network: "
    "bits are set after the prefix length (a network is written with its host bits zero)"},
    {"[global]\nnetworks_deny = ::ffff:10.0.0.0/64\n",
    "policy.conf:2: networks_deny: \"::ffff:10.0.0.0/64\" is not an address or network: "
    "an IPv4-mapped network needs a prefix length from 96 to 128"},
    {"[global]\nnetworks_allow = 10.0.0.0/-8\n",
    "policy.conf:2: networks_allow: \"10.0.0.0/-8\" is not an address or network: "
    "the prefix length after / is not a number"},
    {"[global]\nlockout_window = 15x\n",
    "policy.conf:2: lockout_window must be a duration (e.g. 900, 900s, 15m, 1h, 1d) "
    "from 1s to 366d, not \"15x\""},
    {"[global]\nlockout_duration = 0\n",
    "policy.conf:2: lockout_duration must be a duration (e.g. 900, 900s, 15m, 1h, 1d) "
    "from 1s to 366d, not \"0\""},
    {"[global]\nlockout_duration = 400d\n",
    "policy.conf:2: lockout_duration must be a duration (e.g. 900, 900s, 15m, 1h, 1d) "
    "from 1s to 366d, not \"400d\""},
    {"[cram-md5]\nlockout_store = /var/lib/md5gate/x.mdb\n",
    "policy.conf:2: lockout_store is allowed only in [global], not in [cram-md5]"},
    {"[global]\nlockout_store = lockout.mdb\n",
    "policy.conf:2: lockout_store must be an absolute path, not \"lockout.mdb\""},
    {"[global]\nlockout_store = /var/lib/md5gate/\n  lockout.mdb\n  /but/a/long/path/of/many/"
	"parts/on/continuation/lines/which/join/with/spaces/to/more/than/a/hundred/"
	"and/sixty/bytes/in/all/and/then/some/more\n",
    "policy.conf:4: lockout_store must be a path of at most 160 bytes without "
    "control characters, \"#\" or \";\""},
    {"[global]\nlockout_store_failure = maybe\n",
    "policy.conf:2: lockout_store_failure must be closed or open, not \"maybe\""},
    {"[global]\nlockout_failures = -1\n",
    "policy.conf:2: lockout_failures must be a number from 0 to 1000000, not \"-1\""},
    {"[global]\nlockout_max_entries = lots\n",
    "policy.conf:2: lockout_max_entries must be a number from 0 to 100000000, not \"lots\""},
    {"[cram-md5:client]\nusers_allow = alice\n",
    "policy.conf:2: users_allow does not apply to the client side: not in [cram-md5:client]"},
    {"[cram-md5]\nqop = auth\n",
    "policy.conf:2: qop applies only to DIGEST-MD5, not in [cram-md5]"},
    {"[digest-md5]\nqop = auth, auth-secret\n",
    "policy.conf:2: qop: \"auth-secret\" is not one of auth, auth-int, auth-conf"},
    {"[digest-md5]\nciphers = aes\n",
    "policy.conf:2: ciphers: \"aes\" is not one of 3des, des, rc4, rc4-40, rc4-56"},
    {"[digest-md5]\nqop =\n", "policy.conf:2: qop needs at least one value"},
    {"[global]\ntls_evidence = ssf, handshake\n",
    "policy.conf:2: tls_evidence: \"handshake\" is not one of ssf, listener, flags"},
    {"[global]\nmin_ssf = 70000\n",
    "policy.conf:2: min_ssf must be a number from 0 to 65535, not \"70000\""},
    {"[cram-md5]\nlisteners = 127.0.0.1\n",
    "policy.conf:2: listeners: \"127.0.0.1\" is not ADDR:PORT, [IPV6]:PORT or *:PORT"},
    {"[cram-md5]\nlisteners = ::1:587\n",
    "policy.conf:2: listeners: \"::1:587\" is not ADDR:PORT, [IPV6]:PORT or *:PORT"},
    {"[global]\ntls_listeners = *:0\n",
    "policy.conf:2: tls_listeners: \"*:0\" is not ADDR:PORT, [IPV6]:PORT or *:PORT"},
    {"[cram-md5]\nadvertise = some\n",
    "policy.conf:2: advertise must be filtered or all, not \"some\""},
    {"[cram-md5]\nusers_allow = aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
    "policy.conf:2: users_allow: an entry is longer than 128 bytes"},
    {"[global]\nunknown_address = maybe\n",
    "policy.conf:2: unknown_address must be allow or deny, not \"maybe\""},
    {"[digest-md5]\nusers_allow = *\n",
    "policy.conf:2: \"*\" is not a user pattern: a wildcard is allowed only as \"*@realm\""},
    {"[digest-md5]\nusers_deny = al*ce\n",
    "policy.conf:2: \"al*ce\" is not a user pattern: a wildcard is allowed only as \"*@realm\""},
    {"[digest-md5]\nusers_deny = alice@\n",
    "policy.conf:2: \"alice@\" is not a user: empty name or realm"},
    {"[global]\nservices = smtp im/ap\n", "policy.conf:2: \"im/ap\" is not a service name"},
    {"[cram-md5]\n[plain]\n", "policy.conf:2: unknown section [plain]"},
    {"[cram-md5:server]\nenabled = no\n", "policy.conf:1: unknown section [cram-md5:server]"},
    {"[cram-md5]\nmode = enforce\n  audit-only\n",
    "policy.conf:3: mode must be enforce or audit-only, not \"enforce audit-only\""},
    {"[cram-md5]\nusers_allow = a b c d e f g h i j k l m n o p q r s t u v w x y z\n"
	"  A B C D E F G H I J K L M N O P Q R S T U V W X Y Z\n"
	"  0 1 2 3 4 5 6 7 8 9 aa bb cc dd\n",
    "policy.conf:4: users_allow has more than 64 entries"},
    {"[global]\naudit_file = /tmp/a\nnetworks_allow = 10.0.0.1 10.0.0.2 10.0.0.3 10.0.0.4 "
	"10.0.0.5 10.0.0.6 10.0.0.7 10.0.0.8 10.0.0.9 10.0.0.10 10.0.0.11 10.0.0.12 10.0.0.13 "
	"10.0.0.14 10.0.0.15 10.0.0.16 10.0.0.17 10.0.0.18 10.0.0.19 10.0.0.20\n"
	"mode = enforce\n",
    "policy.conf:3: line longer than 198 bytes: continue a long list on indented lines"},
    /* A setting given twice in one section names both lines. */
    {"[cram-md5]\nusers_allow = intercom\nmode = enforce\nusers_allow = alice\n",
    "policy.conf:4: users_allow is given twice in [cram-md5]: here and at policy.conf:2"},
    {"[global]\naudit_file = /tmp/a\n[cram-md5]\nmode = enforce\n[GLOBAL]\n"
	"audit_file = /tmp/b\n",
    "policy.conf:6: audit_file is given twice in [global]: here and at policy.conf:2"},
    {"[digest-md5]\nqop = auth\n[cram-md5]\nmode = enforce\n[Digest-MD5]\n"
	"  qop = auth-int\n",
    "policy.conf:6: qop is given twice in [digest-md5]: here and at policy.conf:2"},
    /* An indented setting would join the list above it. */
    {"[cram-md5]\nusers_allow = alice\n  users_deny = bob\n",
    "policy.conf:3: users_allow: an indented line continues its list, and holds "
    "\"=\": start a setting at the beginning of its line"},
    /* "#" and ";" start comments, and stand nowhere else. */
    {"[cram-md5]\nusers_allow = intercom#camera\n",
    "policy.conf:2: users_allow: \"#\" and \";\" start a comment at the start of a "
    "value or after white space, and may stand nowhere else"},
    {"[cram-md5]\nusers_allow = alice,;semi,bob\n",
    "policy.conf:2: users_allow: \"#\" and \";\" start a comment at the start of a "
    "value or after white space, and may stand nowhere else"},
    {"[cram-md5]\nusers_allow = alice\n  bob,#carol\n",
    "policy.conf:3: users_allow: \"#\" and \";\" start a comment at the start of a "
    "value or after white space, and may stand nowhere else"},
    {"[global]\naudit_file = /var/log/md5gate#1.jsonl\n",
    "policy.conf:2: audit_file: \"#\" and \";\" start a comment at the start of a "
    "value or after white space, and may stand nowhere else"},
    /* A path that joins continuation lines must still print on one line. */
    {"[global]\naudit_file = /var/log/"
	"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n"
	"  bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb.jsonl\n",
    "policy.conf:3: audit_file must be a path of at most 160 bytes without control "
    "characters, \"#\" or \";\""},
    {"[global]\nlockout_failures = 5#\n",
    "policy.conf:2: lockout_failures: \"#\" and \";\" start a comment at the start of "
    "a value or after white space, and may stand nowhere else"},
};

START_TEST(parser_errors)
{
    const struct bad *b = bads + _i;
    struct mg_config cfg;
    struct mg_error err;
    FILE   *fp = fmemopen((void *) b->text, strlen(b->text), "r");

    ck_assert_ptr_nonnull(fp);
    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load_stream(fp, "policy.conf", &cfg, &err), MG_MALFORMED);
    fclose(fp);
    ck_assert_str_eq(err.reason, b->reason);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(parser_accepts)
{
    struct mg_config cfg;
    const struct mg_policy_rules *cram, *glob;

    load("# the seed scenario\n"
	 "[GLOBAL]\n"
	 "audit_file = /var/log/md5gate/audit.jsonl\n"
	 "lockout_failures = 5\nlockout_window = 15m\nlockout_duration = 1h\n"
	 "lockout_store = /var/lib/md5gate/lockout.mdb\nlockout_store_failure = open\n"
	 "lockout_max_entries = 500\n"
	 "[Cram-MD5]\nusers_allow = intercom\nnetworks_allow = 192.168.1.0/24, "
	 "2001:db8::/32 ; the LAN\n  ::ffff:10.1.0.0/112 ; the VPN\n"
	 "listeners = 192.168.1.1:587 [2001:db8::1]:587 *:465\n"
	 "[digest-md5]\nqop = auth auth-conf\nciphers = rc4 3des\n"
	 "[cram-md5]\nmode = audit-only\n", &cfg);
    glob = cfg.policy.section + MG_POLICY_GLOBAL;
    cram = cfg.policy.section + MG_POLICY_CRAM_SERVER;
    ck_assert_uint_eq(glob->lockout.failures, 5);
    ck_assert_uint_eq(glob->lockout.window, 900);
    ck_assert_uint_eq(glob->lockout.duration, 3600);
    ck_assert_int_eq(glob->lockout_store_open, 1);
    ck_assert_uint_eq(mg_policy_lockout_max_entries(&cfg.policy), 500);
    ck_assert_str_eq(mg_policy_lockout_store(&cfg.policy), "/var/lib/md5gate/lockout.mdb");
    ck_assert_uint_eq(cram->users_allow.count, 1);
    /* The continuation line extends the list. */
    ck_assert_uint_eq(cram->networks_allow.count, 3);
    ck_assert_int_eq(cram->networks_allow.addrs[2].addr.family, AF_INET);
    ck_assert_uint_eq(cram->networks_allow.addrs[2].prefix, 16);
    ck_assert_uint_eq(cram->listeners.count, 3);
    ck_assert_uint_eq(cram->listeners.addrs[2].port, 465);
    ck_assert_int_eq(cram->listeners.addrs[2].addr.family, 0);
    /* A repeated section adds to it. */
    ck_assert_int_eq(cram->mode, MG_POLICY_AUDIT_ONLY);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_DIGEST_SERVER].qops, 1 | 4);
    mg_config_free(&cfg);
}
END_TEST

/*
 * "#" after white space is a comment like ";", on first and continuation
 * lines, for every kind of value: never part of it.
 */
START_TEST(hash_comments)
{
    struct mg_config cfg;
    const struct mg_policy_rules *cram, *glob;

    load("[global]\n"
	 "audit_file = /var/log/md5gate/audit.jsonl # the device log\n"
	 "audit_failure = refuse\t# or continue\n"
	 "lockout_failures = 5 # per 15 minutes\n"
	 "lockout_window = 15m # default\n"
	 "lockout_store = /var/lib/md5gate/lockout.mdb # outside the chroot\n"
	 "[cram-md5]\n"
	 "users_allow = intercom # camera later\n"
	 "  doorbell # and the bell\n"
	 "  # a comment line inside the list\n"
	 "  ; another\n"
	 "  porch\n"
	 "users_deny = # nobody yet\n"
	 "mode = audit-only # while testing\n"
	 "networks_allow = 192.168.1.0/24 # the LAN\n"
	 "min_ssf = 1 # any layer\n", &cfg);
    glob = cfg.policy.section + MG_POLICY_GLOBAL;
    cram = cfg.policy.section + MG_POLICY_CRAM_SERVER;
    ck_assert_str_eq(cfg.audit_file, "/var/log/md5gate/audit.jsonl");
    ck_assert_int_eq(cfg.audit_failure, MG_AUDIT_REFUSE);
    ck_assert_uint_eq(glob->lockout.failures, 5);
    ck_assert_uint_eq(glob->lockout.window, 900);
    ck_assert_str_eq(glob->lockout_store, "/var/lib/md5gate/lockout.mdb");
    ck_assert_uint_eq(cram->users_allow.count, 3);
    ck_assert_str_eq(cram->users_allow.words[0], "intercom");
    ck_assert_str_eq(cram->users_allow.words[1], "doorbell");
    ck_assert_str_eq(cram->users_allow.words[2], "porch");
    ck_assert_uint_eq(cram->users_deny.count, 0);
    ck_assert_int_eq(cram->mode, MG_POLICY_AUDIT_ONLY);
    ck_assert_uint_eq(cram->networks_allow.count, 1);
    ck_assert_uint_eq(cram->min_ssf, 1);
    mg_config_free(&cfg);
}
END_TEST

/*
 * mg_policy_set() is the parser's other caller: a user holding "#" or
 * ";" is refused there too, so that the printed policy always reads back.
 */
START_TEST(comment_characters_refused_in_values)
{
    struct mg_policy policy;
    char    why[MG_REASON_MAX];

    mg_policy_init(&policy);
    ck_assert_int_eq(mg_policy_set(&policy, MG_POLICY_CRAM_SERVER, "users_allow",
				   "#", why, sizeof(why)), 0);
    ck_assert_str_eq(why, "user \"#\" contains \"#\", \";\" or \"=\"");
    ck_assert_int_eq(mg_policy_set(&policy, MG_POLICY_CRAM_SERVER, "users_allow",
				   "a=b", why, sizeof(why)), 0);
    ck_assert_int_eq(mg_policy_set(&policy, MG_POLICY_CRAM_SERVER, "users_deny",
				   "a;b", why, sizeof(why)), 0);
    ck_assert_int_eq(mg_policy_set(&policy, MG_POLICY_GLOBAL, "lockout_store",
				   "/var/lib/x#y", why, sizeof(why)), 0);
    ck_assert_int_eq(mg_policy_set(&policy, MG_POLICY_CRAM_SERVER, "users_allow",
				   "intercom", why, sizeof(why)), 1);
    mg_policy_free(&policy);
}
END_TEST

/*
 * The file md5gate_policy names must exist; only the default may be
 * absent. The code and the reason say which file and which option.
 */
START_TEST(named_file_must_exist)
{
    struct mg_config cfg;
    struct mg_error err;
    char    dir[] = "/tmp/md5gate-check-policy.XXXXXX";
    char    path[sizeof(dir) + 32];
    FILE   *fp;

    ck_assert_ptr_nonnull(mkdtemp(dir));
    snprintf(path, sizeof(path), "%s/policy.conf", dir);
    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load_option(path, &cfg, &err), MG_NOFILE);
    ck_assert_int_eq(err.code, MG_NOFILE);
    ck_assert_ptr_nonnull(strstr(err.reason, path));
    ck_assert_ptr_nonnull(strstr(err.reason, ": no such file (named by md5gate_policy)"));
    ck_assert_int_eq(mg_config_load_option("/nonexistent/dir/policy.conf", &cfg, &err),
		     MG_NOFILE);
    ck_assert_int_eq(mg_config_load_option("policy.conf", &cfg, &err), MG_BADPARAM);
    ck_assert_str_eq(err.reason, "md5gate_policy must be an absolute path, not "
		     "\"policy.conf\"");
    /* A directory is not an empty file. */
    ck_assert_int_eq(mg_config_load_option(dir, &cfg, &err), MG_BADPARAM);
    ck_assert_ptr_nonnull(strstr(err.reason, ": not a regular file"));
    ck_assert_int_eq(mg_config_load(dir, &cfg, &err), MG_BADPARAM);
    /* The same path by default (mg_config_load()) means the defaults. */
    ck_assert_int_eq(mg_config_load(path, &cfg, &err), MG_OK);
    ck_assert_int_eq(cfg.found, 0);
    /* Once it exists, it is read. */
    ck_assert_ptr_nonnull(fp = fopen(path, "w"));
    fputs("[cram-md5]\nenabled = no\n", fp);
    fclose(fp);
    ck_assert_int_eq(mg_config_load_option(path, &cfg, &err), MG_OK);
    ck_assert_int_eq(cfg.found, 1);
    ck_assert_int_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].enabled, 0);
    mg_config_free(&cfg);
    unlink(path);
    rmdir(dir);
}
END_TEST

/*
 * min_ssf is monotonic: no external SSF is SSF 0, below any min_ssf.
 */
START_TEST(min_ssf_monotonic)
{
    static const unsigned ssf[] = {0, 1, 55, 56, 256};
    static const int allowed[] = {0, 0, 0, 1, 1};
    struct mg_config cfg;
    struct mg_policy_decision d;
    struct mg_policy_facts f = {MG_POLICY_SERVER, "DIGEST-MD5", "imap", "10.0.0.1;4000",
    "10.0.0.2;143", 0, 0, 0, 0, 0, 0};
    size_t  i;

    load("[digest-md5]\nmin_ssf = 56\n", &cfg);
    for (i = 0; i < sizeof(ssf) / sizeof(ssf[0]); i++) {
	f.external_ssf = ssf[i];
	mg_policy_decide(&cfg.policy, &f, &d);
	ck_assert_msg(d.allow == allowed[i], "external SSF %u: allow %d", ssf[i], d.allow);
	if (!allowed[i]) {
	    ck_assert_str_eq(d.rule, "digest-md5.min_ssf");
	    ck_assert_int_eq(d.enforced, 1);
	}
    }
    mg_policy_decide(&cfg.policy, &f, &d);
    f.external_ssf = 0;
    f.mech = "CRAM-MD5";
    mg_policy_decide(&cfg.policy, &f, &d);
    ck_assert_int_eq(d.allow, 1);
    mg_config_free(&cfg);
    /* Below it, however little; min_ssf = 0 asks for nothing. */
    load("[global]\nmin_ssf = 1\n[digest-md5]\nmin_ssf = 0\n", &cfg);
    f.mech = "CRAM-MD5";
    mg_policy_decide(&cfg.policy, &f, &d);
    ck_assert_int_eq(d.allow, 0);
    ck_assert_str_eq(d.rule, "global.min_ssf");
    ck_assert_str_eq(d.reason, "external SSF 0 is below min_ssf 1");
    f.mech = "DIGEST-MD5";
    mg_policy_decide(&cfg.policy, &f, &d);
    ck_assert_int_eq(d.allow, 1);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(missing_file_allows_everything)
{
    struct mg_config cfg;
    struct mg_error err;
    struct mg_policy_decision d;
    struct mg_policy_facts f = {MG_POLICY_SERVER, "CRAM-MD5", "smtp", 0, 0, 0, 1,
    "anyone", 0, 0, 0};

    mg_config_init(&cfg);
    ck_assert_int_eq(mg_config_load("/nonexistent/policy.conf", &cfg, &err), MG_OK);
    mg_policy_decide(&cfg.policy, &f, &d);
    ck_assert_int_eq(d.allow, 1);
    ck_assert_str_eq(d.rule, "");
    ck_assert_int_eq(mg_policy_lockout_wanted(&cfg.policy), 0);
    ck_assert_str_eq(mg_policy_lockout_store(&cfg.policy), MG_LOCKOUT_DEFAULT_STORE);
    mg_config_free(&cfg);
}
END_TEST

/* CIDR matching. */

struct cidr_case {
    const char *net;
    const char *host;
    int     match;
};

static const struct cidr_case cidrs[] = {
    {"0.0.0.0/0", "203.0.113.9", 1},
    {"0.0.0.0/0", "2001:db8::1", 0},
    {"::/0", "2001:db8::1", 1},
    {"::/0", "203.0.113.9", 0},
    {"192.168.1.7/32", "192.168.1.7", 1},
    {"192.168.1.7/32", "192.168.1.8", 0},
    {"192.168.1.7", "192.168.1.7", 1},
    {"192.168.1.0/24", "192.168.1.255", 1},
    {"192.168.1.0/24", "192.168.2.0", 0},
    {"10.0.0.0/9", "10.127.255.255", 1},
    {"10.0.0.0/9", "10.128.0.0", 0},
    {"2001:db8::1/128", "2001:db8::1", 1},
    {"2001:db8::1/128", "2001:db8::2", 0},
    {"2001:db8::/33", "2001:db8:7fff::1", 1},
    {"2001:db8::/33", "2001:db8:8000::1", 0},
    {"192.168.1.0/24", "::ffff:192.168.1.20", 1},	/* IPv4-mapped client */
    {"192.168.1.0/24", "::ffff:192.168.2.20", 0},
    {"::ffff:192.168.1.0/120", "192.168.1.20", 1},	/* mapped rule */
    {"127.0.0.1", "::1", 0},
};

START_TEST(cidr_edges)
{
    const struct cidr_case *c = cidrs + _i;
    struct mg_policy_addr net, host;

    ck_assert(mg_policy_parse_addr(c->net, 1, &net));
    ck_assert(mg_policy_parse_addr(c->host, 0, &host));
    ck_assert_msg(mg_policy_addr_match(&net, &host) == c->match, "%s vs %s",
		  c->net, c->host);
}
END_TEST

/* Decisions. */

static const char decision_conf[] =
"[global]\n"
"users_deny = mallory *@evil.test\n"
"lockout_failures = 5\n"
"[cram-md5]\n"
"users_allow = intercom\n"
"networks_allow = 192.168.1.0/24 127.0.0.1 2001:db8:1::/48\n"
"networks_deny = 192.168.1.66\n"
"listeners = *:587 127.0.0.1:25\n"
"[digest-md5]\n"
"users_allow = alice bob@example.test *@corp.test\n"
"services = smtp imap\n"
"require_tls = yes\n"
"tls_listeners = 127.0.0.1:465\n"
"qop = auth-int auth-conf\n"
"ciphers = rc4 3des\n"
"unknown_address = deny\n"
"lockout_failures = 3\n"
"lockout_address = no\n"
"[cram-md5:client]\n"
"networks_allow = 198.51.100.0/24\n"
"[digest-md5:client]\n"
"enabled = no\n";

struct decision_case {
    const char *what;
    struct mg_policy_facts facts;
    int     allow;
    const char *rule;
};

#define SRV MG_POLICY_SERVER
#define CLI MG_POLICY_CLIENT

static const struct decision_case decisions[] = {
    {"intercom from the LAN", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, "intercom", 0, 0, 0}, 1, ""},
    {"connection facts only", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, 0, 0, 0, 0}, 1, ""},
    {"another user", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, "alice", 0, 0, 0}, 0, "cram-md5.users_allow"},
    {"denied globally", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, "mallory", 0, 0, 0}, 0, "global.users_deny"},
    /* A store that ignores case takes MALLORY for mallory: deny folds
     * ASCII case, allow compares exactly; both fail closed. */
    {"denied in any case", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, "MalLory", 0, 0, 0}, 0, "global.users_deny"},
    {"allowed in its own case only", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, "InterCom", 0, 0, 0}, 0, "cram-md5.users_allow"},
    {"outside the LAN", {SRV, "CRAM-MD5", "smtp", "203.0.113.5;4000",
    "192.168.1.1;587", 0, 1, "intercom", 0, 0, 0}, 0, "cram-md5.networks_allow"},
    {"the denied host", {SRV, "CRAM-MD5", "smtp", "192.168.1.66;4000",
    "192.168.1.1;587", 0, 1, "intercom", 0, 0, 0}, 0, "cram-md5.networks_deny"},
    {"mapped LAN client", {SRV, "CRAM-MD5", "smtp", "::ffff:192.168.1.20;4000",
    "192.168.1.1;587", 0, 1, "intercom", 0, 0, 0}, 1, ""},
    {"IPv6 LAN client", {SRV, "CRAM-MD5", "smtp", "2001:db8:1::9;4000",
    "[2001:db8:1::1];587", 0, 1, "intercom", 0, 0, 0}, 1, ""},
    {"wrong listener", {SRV, "CRAM-MD5", "smtp", "192.168.1.20;4000",
    "192.168.1.1;25", 0, 1, "intercom", 0, 0, 0}, 0, "cram-md5.listeners"},
    {"exact listener", {SRV, "CRAM-MD5", "smtp", "127.0.0.1;4000",
    "127.0.0.1;25", 0, 1, "intercom", 0, 0, 0}, 1, ""},
    {"no local address", {SRV, "CRAM-MD5", "smtp", "127.0.0.1;4000",
    0, 0, 1, "intercom", 0, 0, 0}, 0, "cram-md5.listeners"},
    {"no client address, allowed", {SRV, "CRAM-MD5", "smtp", 0,
    "127.0.0.1;25", 0, 1, "intercom", 0, 0, 0}, 1, ""},
    {"digest: plaintext session", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 1, 0, 0, 0, 0}, 0, "digest-md5.require_tls"},
    {"digest: after STARTTLS (flags)", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, 0, 0, 0, 0}, 1, ""},
    {"digest: TLS listener", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "127.0.0.1;465", 0, 1, 0, 0, 0, 0}, 1, ""},
    {"digest: external SSF", {SRV, "DIGEST-MD5", "imap", "10.0.0.1;4000",
    "10.0.0.2;143", 256, 1, 0, 0, 0, 0}, 1, ""},
    {"digest: wrong service", {SRV, "DIGEST-MD5", "pop", "10.0.0.1;4000",
    "10.0.0.2;110", 0, 0, 0, 0, 0, 0}, 0, "digest-md5.services"},
    {"digest: no client address", {SRV, "DIGEST-MD5", "smtp", 0,
    "10.0.0.2;25", 0, 0, 0, 0, 0, 0}, 0, "digest-md5.unknown_address"},
    /* A port that is not a number: no address at all, as for the lockout. */
    {"digest: malformed client endpoint", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;abc",
    "10.0.0.2;25", 0, 0, 0, 0, 0, 0}, 0, "digest-md5.unknown_address"},
    {"digest: alice in any realm", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "alice", "example.test", "auth-int", 0}, 1, ""},
    {"digest: bob in his realm", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "bob", "Example.Test", "auth-int", 0}, 1, ""},
    {"digest: bob elsewhere", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "bob", "other.test", "auth-int", 0}, 0, "digest-md5.users_allow"},
    {"digest: bob@realm as one name", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "bob@example.test", "", "auth-int", 0}, 1, ""},
    {"digest: anyone in corp", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "carol", "corp.test", "auth-int", 0}, 1, ""},
    {"digest: realm wildcard deny", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "alice", "evil.test", "auth-int", 0}, 0, "global.users_deny"},
    {"digest: realm wildcard deny, any case", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "alice", "EVIL.test", "auth-int", 0}, 0, "global.users_deny"},
    {"digest: qop auth refused", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "alice", "example.test", "auth", 0}, 0, "digest-md5.qop"},
    {"digest: cipher des refused", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "alice", "example.test", "auth-conf", "des"}, 0,
    "digest-md5.ciphers"},
    {"digest: cipher rc4", {SRV, "DIGEST-MD5", "smtp", "10.0.0.1;4000",
    "10.0.0.2;25", 0, 0, "alice", "example.test", "auth-conf", "rc4"}, 1, ""},
    {"client: server in range", {CLI, "CRAM-MD5", "smtp", "198.51.100.7;25",
    "10.0.0.2;4000", 0, 1, "intercom", 0, 0, 0}, 1, ""},
    {"client: server out of range", {CLI, "CRAM-MD5", "smtp", "203.0.113.7;25",
    "10.0.0.2;4000", 0, 1, "intercom", 0, 0, 0}, 0, "cram-md5:client.networks_allow"},
    {"client: global users rule not for clients", {CLI, "CRAM-MD5", "smtp",
    "198.51.100.7;25", 0, 0, 1, "mallory", 0, 0, 0}, 1, ""},
    {"client: no server address", {CLI, "CRAM-MD5", "smtp", 0,
    0, 0, 1, "intercom", 0, 0, 0}, 0, "cram-md5:client.networks_allow"},
    {"client: digest disabled", {CLI, "DIGEST-MD5", "smtp", "198.51.100.7;25",
    0, 0, 1, 0, 0, 0, 0}, 0, "digest-md5:client.enabled"},
    {"unknown mechanism", {SRV, "PLAIN", "smtp", 0, 0, 0, 1, 0, 0, 0, 0}, 0,
    "global.mode"},
};

START_TEST(decision_table)
{
    const struct decision_case *c = decisions + _i;
    struct mg_config cfg;
    struct mg_policy_decision d;

    load(decision_conf, &cfg);
    mg_policy_decide(&cfg.policy, &c->facts, &d);
    ck_assert_msg(d.allow == c->allow, "%s: allow %d (%s: %s)", c->what, d.allow,
		  d.rule, d.reason);
    ck_assert_msg(strcmp(d.rule, c->rule) == 0, "%s: rule \"%s\", expected \"%s\"",
		  c->what, d.rule, c->rule);
    ck_assert_int_eq(d.enforced, 1);
    if (!d.allow)
	ck_assert_msg(d.reason[0] != 0, "%s: no reason", c->what);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(audit_only_mode)
{
    struct mg_config cfg;
    struct mg_policy_decision d;
    struct mg_policy_facts f = {SRV, "CRAM-MD5", "smtp", "203.0.113.5;4000",
    "192.168.1.1;587", 0, 1, "intercom", 0, 0, 0};

    load("[global]\nmode = audit-only\n[cram-md5]\nnetworks_allow = 192.168.1.0/24\n"
	 "[digest-md5]\nmode = enforce\nenabled = no\n", &cfg);
    mg_policy_decide(&cfg.policy, &f, &d);
    ck_assert_int_eq(d.allow, 0);
    ck_assert_int_eq(d.enforced, 0);
    ck_assert_str_eq(d.rule, "cram-md5.networks_allow");
    ck_assert_str_eq(d.reason, "the client address is not in networks_allow");
    f.mech = "DIGEST-MD5";
    mg_policy_decide(&cfg.policy, &f, &d);
    ck_assert_int_eq(d.allow, 0);
    ck_assert_int_eq(d.enforced, 1);
    ck_assert_str_eq(d.rule, "digest-md5.enabled");
    ck_assert_int_eq(mg_policy_mode(&cfg.policy, "CRAM-MD5", CLI), MG_POLICY_AUDIT_ONLY);
    mg_config_free(&cfg);
}
END_TEST

/* advertise = all: the mechanism stays listed, the step refuses. */
START_TEST(advertise_setting)
{
    struct mg_config cfg;

    load("[cram-md5]\nnetworks_allow = 192.168.1.0/24\n", &cfg);
    ck_assert_int_eq(mg_policy_advertise_all(&cfg.policy, "CRAM-MD5"), 0);
    mg_config_free(&cfg);
    load("[global]\nadvertise = all\n[digest-md5]\nadvertise = filtered\n", &cfg);
    ck_assert_int_eq(mg_policy_advertise_all(&cfg.policy, "CRAM-MD5"), 1);
    ck_assert_int_eq(mg_policy_advertise_all(&cfg.policy, "DIGEST-MD5"), 0);
    mg_config_free(&cfg);
}
END_TEST

START_TEST(lockout_settings)
{
    struct mg_config cfg;
    struct mg_lockout_limits limits;
    int     by_address;
    char    rule[MG_POLICY_RULE_MAX];

    load(decision_conf, &cfg);
    ck_assert_int_eq(mg_policy_lockout_wanted(&cfg.policy), 1);
    ck_assert_int_eq(mg_policy_lockout(&cfg.policy, "CRAM-MD5", &limits, &by_address,
				       rule, sizeof(rule)), 1);
    ck_assert_uint_eq(limits.failures, 5);
    ck_assert_uint_eq(limits.window, 900);
    ck_assert_uint_eq(limits.duration, 900);
    ck_assert_int_eq(by_address, 1);
    ck_assert_str_eq(rule, "global.lockout_failures");
    ck_assert_int_eq(mg_policy_lockout(&cfg.policy, "DIGEST-MD5", &limits, &by_address,
				       rule, sizeof(rule)), 1);
    ck_assert_uint_eq(limits.failures, 3);
    ck_assert_int_eq(by_address, 0);
    ck_assert_str_eq(rule, "digest-md5.lockout_failures");
    mg_config_free(&cfg);
}
END_TEST

 /*
  * The qop values, or with ciphers the auth-conf ciphers, that a side's
  * policy allows, asked one by one as the plugin asks.
  */
static unsigned allowed_mask(const struct mg_policy *policy, enum mg_policy_side side,
			             const struct mg_flag_name *names, int ciphers)
{
    struct mg_policy_facts f;
    struct mg_policy_decision d;
    unsigned mask = 0;

    for (/* void */ ; names->name; names++) {
	memset(&f, 0, sizeof(f));
	f.side = side;
	f.mech = "DIGEST-MD5";
	f.service = "smtp";
	f.qop = ciphers ? "auth-conf" : names->name;
	f.cipher = ciphers ? names->name : 0;
	mg_policy_decide(policy, &f, &d);
	if (d.allow)
	    mask |= names->bit;
    }
    return (mask);
}

START_TEST(digest_layers_allowed)
{
    struct mg_config cfg;

    load("[global]\nciphers = rc4\n[digest-md5]\nqop = auth-conf\n", &cfg);
    ck_assert_uint_eq(allowed_mask(&cfg.policy, SRV, mg_digest_qop_names, 0), 4);
    ck_assert_uint_eq(allowed_mask(&cfg.policy, SRV, mg_digest_cipher_names, 1), 4);
    ck_assert_uint_eq(allowed_mask(&cfg.policy, CLI, mg_digest_qop_names, 0), 7);
    ck_assert_uint_eq(allowed_mask(&cfg.policy, CLI, mg_digest_cipher_names, 1), 4);
    mg_config_free(&cfg);
}
END_TEST

static char *print_config(const struct mg_config *cfg, unsigned flags)
{
    char   *text = 0;
    size_t  len = 0;
    FILE   *fp = open_memstream(&text, &len);

    ck_assert_ptr_nonnull(fp);
    mg_config_print(cfg, flags, fp);
    fclose(fp);
    return (text);
}

START_TEST(print_effective)
{
    struct mg_config cfg;
    char   *text;

    load(decision_conf, &cfg);
    text = print_config(&cfg, MG_POLICY_PRINT_ALL);
    ck_assert_ptr_nonnull(strstr(text, "\n[cram-md5]\n# mode = enforce (default)\n"
				 "# advertise = filtered (default)\n"
				 "# enabled = yes (default)\n"));
    ck_assert_ptr_nonnull(strstr(text, "networks_allow = 192.168.1.0/24 127.0.0.1 "
				 "2001:db8:1::/48\n"));
    ck_assert_ptr_nonnull(strstr(text, "listeners = *:587 127.0.0.1:25\n"));
    ck_assert_ptr_nonnull(strstr(text, "# users_deny = mallory *@evil.test (from [global])\n"));
    ck_assert_ptr_nonnull(strstr(text, "[global]\n# audit_file = (default: none)\n"));
    ck_assert_ptr_nonnull(strstr(text, "\n# plaintext_secrets = allow (default)\n"));
    ck_assert_ptr_nonnull(strstr(text, "\nusers_deny = mallory *@evil.test\n"));
    ck_assert_ptr_nonnull(strstr(text, "qop = auth-int auth-conf\n"));
    ck_assert_ptr_nonnull(strstr(text, "# lockout_window = 900s (default)\n"));
    ck_assert_ptr_nonnull(strstr(text, "# lockout_store = " MG_LOCKOUT_DEFAULT_STORE
				 " (default)\n"));
    ck_assert_ptr_nonnull(strstr(text, "# services = (empty, default)\n"));
    mg_config_free(&cfg);
    /* The output is a configuration file that says the same. */
    load(text, &cfg);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].networks_allow.count, 3);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_DIGEST_SERVER].users_deny.count, 0);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_GLOBAL].users_deny.count, 2);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_DIGEST_SERVER].lockout.failures, 3);
    free(text);
    mg_config_free(&cfg);
}
END_TEST

 /*
  * Without MG_POLICY_PRINT_ALL only what the file gives; either way the
  * output reads back to a configuration that prints exactly the same,
  * [global]'s audit settings and plaintext_secrets included.
  */
START_TEST(print_round_trip)
{
    static const char conf[] = "[global]\naudit_file = /var/log/md5gate/audit.jsonl\n"
    "audit_failure = refuse\naudit_success_level = note\nplaintext_secrets = deny\n";
    static const unsigned flags[] = {0, MG_POLICY_PRINT_ALL};
    struct mg_config cfg;
    char   *full, *text, *again;
    size_t  i;

    full = malloc(strlen(decision_conf) + sizeof(conf));
    ck_assert_ptr_nonnull(full);
    strcpy(full, conf);
    strcat(full, decision_conf + strlen("[global]\n"));
    for (i = 0; i < sizeof(flags) / sizeof(flags[0]); i++) {
	load(full, &cfg);
	text = print_config(&cfg, flags[i]);
	mg_config_free(&cfg);
	load(text, &cfg);
	again = print_config(&cfg, flags[i]);
	ck_assert_str_eq(text, again);
	ck_assert_str_eq(cfg.audit_file, "/var/log/md5gate/audit.jsonl");
	ck_assert_int_eq(cfg.audit_failure, MG_AUDIT_REFUSE);
	ck_assert_int_eq(cfg.audit_success_level, MG_LOG_NOTE);
	ck_assert_int_eq(cfg.plaintext_secrets, 0);
	if (flags[i] == 0) {
	    ck_assert_ptr_null(strstr(text, "default"));
	    ck_assert_ptr_null(strstr(text, "audit_failure_level"));
	    ck_assert_ptr_null(strstr(text, "[cram-md5:client]\n#"));
	}
	mg_config_free(&cfg);
	free(text);
	free(again);
    }
    free(full);
}
END_TEST

 /*
  * A wrapped list whose next entry starts with "[" (an IPv6 listener, a
  * user) must not print as a section header. ("#" and ";" cannot start
  * an entry: the parser refuses them.)
  */
START_TEST(print_wraps_safely)
{
    static const char conf[] = "[cram-md5]\n"
    "tls_listeners = [2001:db8::1]:465 [2001:db8::2]:465 [2001:db8::3]:465 "
    "[2001:db8::4]:465 [2001:db8::5]:465\n"
    "users_allow = alice,[bracket,bob\n";
    struct mg_config cfg;
    char   *text = 0;
    size_t  len = 0;
    FILE   *fp = open_memstream(&text, &len);

    load(conf, &cfg);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].tls_listeners.count, 5);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].users_allow.count, 3);
    mg_config_print(&cfg, MG_POLICY_PRINT_ALL, fp);
    fclose(fp);
    mg_config_free(&cfg);
    load(text, &cfg);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].tls_listeners.count, 5);
    ck_assert_uint_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].users_allow.count, 3);
    ck_assert_str_eq(cfg.policy.section[MG_POLICY_CRAM_SERVER].users_allow.words[1], "[bracket");
    free(text);
    mg_config_free(&cfg);
}
END_TEST

int     main(void)
{
    Suite  *s = suite_create("policy");
    TCase  *tc = tcase_create("core");
    SRunner *sr;
    int     failed;

    tcase_add_loop_test(tc, parser_errors, 0, (int) (sizeof(bads) / sizeof(bads[0])));
    tcase_add_test(tc, parser_accepts);
    tcase_add_test(tc, hash_comments);
    tcase_add_test(tc, comment_characters_refused_in_values);
    tcase_add_test(tc, named_file_must_exist);
    tcase_add_test(tc, min_ssf_monotonic);
    tcase_add_test(tc, print_round_trip);
    tcase_add_test(tc, missing_file_allows_everything);
    tcase_add_loop_test(tc, cidr_edges, 0, (int) (sizeof(cidrs) / sizeof(cidrs[0])));
    tcase_add_loop_test(tc, decision_table, 0,
			(int) (sizeof(decisions) / sizeof(decisions[0])));
    tcase_add_test(tc, audit_only_mode);
    tcase_add_test(tc, advertise_setting);
    tcase_add_test(tc, lockout_settings);
    tcase_add_test(tc, digest_layers_allowed);
    tcase_add_test(tc, print_effective);
    tcase_add_test(tc, print_wraps_safely);
    suite_add_tcase(s, tc);
    sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return (failed ? EXIT_FAILURE : EXIT_SUCCESS);
}
