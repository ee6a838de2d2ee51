/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	mechs 3h
/* SUMMARY
/*	the mechanism tables md5gate registers with libsasl2
/* SYNOPSIS
/*	#include "mechs.h"
/*--*/
#ifndef MG_MECHS_H
#define MG_MECHS_H

#include <sasl/sasl.h>
#include <sasl/saslplug.h>

extern const sasl_server_plug_t mg_cram_server_plug;
extern const sasl_client_plug_t mg_cram_client_plug;
extern const sasl_server_plug_t mg_digest_server_plug;
extern const sasl_client_plug_t mg_digest_client_plug;

#endif
