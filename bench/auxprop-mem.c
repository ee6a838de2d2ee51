/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * auxprop-mem: an auxprop plugin ("benchmem") that serves properties from
 * memory, so that the benchmarks measure the mechanisms and not a
 * password store. Built for bench/ only, never installed.
 *
 * The SASL option benchmem_file names a file read once when the plugin
 * loads: one property a line, "USER<TAB>NAME<TAB>VALUE" (NAME without
 * the leading "*", e.g. userPassword or md5gateCRAM-MD5), at most
 * MEM_ENTRIES lines. A lookup strips "@realm" from the user name and
 * answers the authentication identity's properties ("*NAME") for which
 * the file has a line; a user without lines is SASL_NOUSER.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

#define MEM_ENTRIES	64
#define MEM_LINE	1024

struct mem_entry {
    char   *user;
    char   *name;
    char   *value;
};

static struct mem_entry entries[MEM_ENTRIES];
static int entry_count;

static void mem_free(void *glob, const sasl_utils_t *utils)
{
    int     i;

    (void) glob;
    (void) utils;
    for (i = 0; i < entry_count; i++) {
	free(entries[i].user);
	free(entries[i].name);
	free(entries[i].value);
    }
    entry_count = 0;
}

static int mem_load(const sasl_utils_t *utils, const char *path)
{
    char    line[MEM_LINE], *user, *name, *value;
    FILE   *fp;

    if ((fp = fopen(path, "r")) == 0) {
	utils->log(0, SASL_LOG_ERR, "benchmem: cannot open %s", path);
	return (SASL_FAIL);
    }
    while (fgets(line, sizeof(line), fp) != 0 && entry_count < MEM_ENTRIES) {
	line[strcspn(line, "\n")] = 0;
	if ((user = strtok(line, "\t")) == 0 || (name = strtok(0, "\t")) == 0
	    || (value = strtok(0, "")) == 0)
	    continue;
	entries[entry_count].user = strdup(user);
	entries[entry_count].name = strdup(name);
	entries[entry_count].value = strdup(value);
	entry_count++;
    }
    fclose(fp);
    return (SASL_OK);
}

static const struct mem_entry *mem_find(const char *user, size_t ulen, const char *name)
{
    int     i;

    for (i = 0; i < entry_count; i++)
	if (strlen(entries[i].user) == ulen && memcmp(entries[i].user, user, ulen) == 0
	    && (name == 0 || strcmp(entries[i].name, name) == 0))
	    return (entries + i);
    return (0);
}

static int mem_lookup(void *glob, sasl_server_params_t *sparams, unsigned flags,
		              const char *user, unsigned ulen)
{
    const struct propval *cur;
    const struct mem_entry *ep;
    const char *at;
    size_t  len = ulen;

    (void) glob;
    if (sparams == 0 || user == 0)
	return (SASL_BADPARAM);
    /* Only the authentication identity has properties here. */
    if (flags & SASL_AUXPROP_AUTHZID)
	return (SASL_OK);
    if ((at = memchr(user, '@', ulen)) != 0)
	len = (size_t) (at - user);
    if (mem_find(user, len, 0) == 0)
	return (SASL_NOUSER);
    for (cur = sparams->utils->prop_get(sparams->propctx); cur && cur->name; cur++) {
	if (cur->name[0] != '*')
	    continue;
	if (cur->values && !(flags & SASL_AUXPROP_OVERRIDE))
	    continue;
	if ((ep = mem_find(user, len, cur->name + 1)) == 0)
	    continue;
	if (cur->values)
	    sparams->utils->prop_erase(sparams->propctx, cur->name);
	sparams->utils->prop_set(sparams->propctx, cur->name, ep->value,
				 (int) strlen(ep->value));
    }
    return (SASL_OK);
}

sasl_auxprop_init_t sasl_auxprop_plug_init;

static sasl_auxprop_plug_t mem_plugin = {
    0, 0, 0,
    mem_free,
    mem_lookup,
    "benchmem",
    0,
};

int     sasl_auxprop_plug_init(const sasl_utils_t *utils, int max_version,
			               int *out_version, sasl_auxprop_plug_t **plug,
			               const char *plugname)
{
    const char *path = 0;
    unsigned len;

    (void) plugname;
    if (max_version < SASL_AUXPROP_PLUG_VERSION)
	return (SASL_BADVERS);
    if (utils->getopt(utils->getopt_context, "benchmem", "benchmem_file", &path, &len)
	!= SASL_OK || path == 0) {
	utils->log(0, SASL_LOG_ERR, "benchmem: option benchmem_file not set");
	return (SASL_FAIL);
    }
    if (entry_count == 0 && mem_load(utils, path) != SASL_OK)
	return (SASL_FAIL);
    *out_version = SASL_AUXPROP_PLUG_VERSION;
    *plug = &mem_plugin;
    return (SASL_OK);
}
