/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	cmd_probe_absent 3
/* SUMMARY
/*	md5gate probe in a build without it
/* SYNOPSIS
/*	#include "cli/cli.h"
/*
/*	int	cli_probe(argc, argv)
/* DESCRIPTION
/*	The probe speaks TLS through libssl; ./configure --disable-probe
/*	builds md5gate without libssl and puts this in its place, so that
/*	"md5gate probe" says what happened instead of being an unknown
/*	command. Whatever the arguments (--help included), it prints that
/*	this md5gate was built without the probe and how to get one with it,
/*	and returns CLI_TROUBLE: the command cannot do its work.
/*--*/
#include "cli.h"

int     cli_probe(int argc, char **argv)
{
    (void) argc;
    (void) argv;
    cli_prog = "md5gate probe";
    return (cli_error(CLI_TROUBLE, "this md5gate was built without the probe "
		      "(./configure --disable-probe, which needs no libssl); "
		      "build it with the probe (the default; libssl >= 3.0, "
		      "Debian: libssl-dev) or use a package built that way"));
}
