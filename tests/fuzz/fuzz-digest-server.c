/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * md5gate's DIGEST-MD5 server mechanism, through its libsasl2 entry
 * point and a fake sasl_utils_t (fake-sasl.c), fed arbitrary client messages.
 * Input: an option byte (the FAKE_S_* bits of fake-sasl.h), then the
 * client's messages separated by ASCII RS.
 */
#include "fuzz.h"
#include "fake-sasl.h"

int     LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sasl_server_plug_t *plug;
    struct fake_msgs msgs;

    if (plug == 0)
	plug = fake_server_mech("DIGEST-MD5");
    fake_split(data, size, &msgs);
    (void) fake_server_session(plug, &msgs);
    fake_msgs_free(&msgs);
    return (0);
}
