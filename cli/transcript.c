/* SPDX-License-Identifier: BSD-2-Clause */
/*++
/* NAME
/*	transcript 3
/* SUMMARY
/*	SASL exchanges in an SMTP transcript (swaks output, Postfix mail log)
/* SYNOPSIS
/*	#include "cli/transcript.h"
/*
/*	void	tr_init(st)
/*
/*	int	tr_line(st, line, len, steps)
/*
/*	int	tr_finish(st, step)
/* DESCRIPTION
/*	A transcript is read line by line; tr_line() takes one line
/*	(without its newline) and fills up to TR_STEPS_PER_LINE steps
/*	(an AUTH with an initial response is two, and a session that makes
/*	room for a new one may end unfinished first), returning how many. The
/*	caller decodes the messages; this parser only finds them, so that
/*	every decoding goes through the same checks as "md5gate decode".
/*
/*	Two forms of line are understood, and every other line is skipped:
/* .IP \(bu
/*	swaks: "<-  " (and "<~  ", "<** ", "<~* ") before what the server
/*	sent, " -> " (and " ~> ", " *> ") before what the client sent.
/* .IP \(bu
/*	Postfix's mail log with the SMTP dialogue logged (debug_peer_list):
/*	"... postfix/smtpd[PID]: < PEER[ADDR]: TEXT" and "> PEER[ADDR]:
/*	TEXT", for smtpd and for the smtp client. The process is the
/*	session: interleaved lines of concurrent sessions are kept apart (up
/*	to TR_STREAMS at once). A line that starts with a reply code is the
/*	server's, whichever way the arrow points.
/* .PP
/*	Within an exchange (from the client's "AUTH MECH [INITIAL]" to the
/*	server's first reply that is not 334), a 334 reply is a challenge,
/*	a client line a response, the empty line the empty reply and "*"
/*	the client's cancel. Steps are numbered from 1 per direction.
/*
/*	Problems are steps of kind TR_ERROR with a specific reason: a line
/*	longer than TR_LINE_MAX, a 334 reply outside an exchange, an AUTH
/*	without a mechanism name or within an exchange, more than
/*	TR_STEPS_MAX messages. tr_finish() reports each exchange that had no
/*	end, one per call, and returns 0 when there is none left.
/*--*/
#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "transcript.h"

void    tr_init(struct tr_state *st)
{
    memset(st, 0, sizeof(*st));
}

static int error_step(struct tr_step *step, const char *fmt,...)
	__attribute__((format(printf, 2, 3)));

static int error_step(struct tr_step *step, const char *fmt,...)
{
    va_list ap;

    step->kind = TR_ERROR;
    va_start(ap, fmt);
    vsnprintf(step->reason, sizeof(step->reason), fmt, ap);
    va_end(ap);
    return (1);
}

enum dir {
    D_NONE, D_SERVER, D_CLIENT, D_CONTENT,	/* D_CONTENT: tell by the text */
};

struct parsed {
    enum dir dir;
    const char *stream;
    size_t  stream_len;
    const char *text;
    size_t  len;
};

 /*
  * "<-  TEXT", "<~  ", "<** ", "<~* ": the server; " -> TEXT", " ~> ",
  * " *> ": the client (one space after the arrow, the text may be empty).
  */
static int swaks_line(const char *line, size_t len, struct parsed *p)
{
    size_t  i = 0, marks;

    if (len >= 2 && line[0] == '<') {
	for (i = 1, marks = 0; i < len && marks < 2 && strchr("-~*", line[i]); i++)
	    marks++;
	if (marks == 0 || i >= len || line[i] != ' ')
	    return (0);
	while (i < len && line[i] == ' ')
	    i++;
	p->dir = D_SERVER;
    } else {
	if (len > 0 && line[0] == ' ')
	    i = 1;
	for (marks = 0; i < len && marks < 2 && strchr("-~*", line[i]); i++)
	    marks++;
	if (marks == 0 || i >= len || line[i] != '>')
	    return (0);
	i++;
	if (i < len && line[i] != ' ')
	    return (0);
	if (i < len)
	    i++;
	p->dir = D_CLIENT;
    }
    p->stream = "";
    p->stream_len = 0;
    p->text = line + i;
    p->len = len - i;
    return (1);
}

 /*
  * "... PROG[PID]: < PEER[ADDR][:PORT]: TEXT" (or ">").
  */
static int log_line(const char *line, size_t len, struct parsed *p)
{
    const char *end = line + len, *colon, *start, *cp, *peer_end;

    for (colon = line; (colon = memchr(colon, ']', (size_t) (end - colon))) != 0; colon++) {
	if (end - colon < 4 || colon[1] != ':' || colon[2] != ' ')
	    continue;
	/* PROG[PID]: the token before, digits in the brackets. */
	for (start = colon; start > line && start[-1] != ' '; start--)
	     /* void */ ;
	cp = memchr(start, '[', (size_t) (colon - start));
	if (cp == 0 || cp == start || cp + 1 == colon)
	    continue;
	for (cp++; cp < colon && isdigit((unsigned char) *cp); cp++)
	     /* void */ ;
	if (cp != colon)
	    continue;
	break;
    }
    if (colon == 0)
	return (0);
    cp = colon + 3;
    if (end - cp < 3 || (cp[0] != '<' && cp[0] != '>') || cp[1] != ' ')
	return (0);
    /* PEER[ADDR] and maybe :PORT, then ": ". */
    if ((peer_end = memchr(cp + 2, ']', (size_t) (end - cp - 2))) == 0)
	return (0);
    peer_end++;
    if (end - peer_end > 1 && peer_end[0] == ':' && isdigit((unsigned char) peer_end[1]))
	for (peer_end++; peer_end < end && isdigit((unsigned char) *peer_end); peer_end++)
	     /* void */ ;
    if (end - peer_end < 2 || peer_end[0] != ':' || peer_end[1] != ' ') {
	if (end - peer_end == 1 && peer_end[0] == ':') {
	    p->text = end;			/* an empty line, logged as "PEER:" */
	    p->len = 0;
	} else {
	    return (0);
	}
    } else {
	p->text = peer_end + 2;
	p->len = (size_t) (end - p->text);
    }
    p->dir = D_CONTENT;
    p->stream = start;
    p->stream_len = (size_t) (colon + 1 - start);
    return (1);
}

static int reply_code(const char *text, size_t len)
{
    if (len < 3 || !isdigit((unsigned char) text[0]) || !isdigit((unsigned char) text[1])
	|| !isdigit((unsigned char) text[2]) || (len > 3 && text[3] != ' ' && text[3] != '-'))
	return (-1);
    return ((text[0] - '0') * 100 + (text[1] - '0') * 10 + (text[2] - '0'));
}

static struct tr_stream *find_stream(struct tr_state *st, const struct parsed *p,
				             struct tr_step *evicted, int *n)
{
    struct tr_stream *s, *oldest = 0;
    int     i;

    for (i = 0; i < TR_STREAMS; i++) {
	s = st->streams + i;
	if (s->used && strlen(s->id) == p->stream_len
	    && memcmp(s->id, p->stream, p->stream_len) == 0)
	    return (s);
	if (oldest == 0 || s->used < oldest->used)
	    oldest = s;
    }
    /* A new session: the least recently seen one makes room. */
    if (oldest->used && oldest->active) {
	st->evicted = *oldest;
	memset(evicted, 0, sizeof(*evicted));
	evicted->kind = TR_UNFINISHED;
	evicted->lineno = oldest->used;
	evicted->stream = st->evicted.id;
	memcpy(evicted->mech, st->evicted.mech, sizeof(evicted->mech));
	*n += 1;
    }
    memset(oldest, 0, sizeof(*oldest));
    memcpy(oldest->id, p->stream, p->stream_len);
    return (oldest);
}

static void fill(struct tr_step *step, enum tr_kind kind, const struct tr_stream *s,
		         const char *text, size_t len)
{
    step->kind = kind;
    step->stream = s->id;
    memcpy(step->mech, s->mech, sizeof(step->mech));
    step->text = text;
    step->len = len;
}

static int server_says(struct tr_stream *s, const char *text, size_t len,
		               struct tr_step *step)
{
    int     code = reply_code(text, len);

    if (code < 0 || (code != 334 && !s->active))
	return (0);
    if (code == 334 && !s->active)
	return (error_step(step, "a 334 reply outside an AUTH exchange"));
    if (code == 334) {
	if (++s->challenges > TR_STEPS_MAX)
	    return (error_step(step, "more than %d challenges in one exchange",
			       TR_STEPS_MAX));
	fill(step, TR_CHALLENGE, s, len > 4 ? text + 4 : text + len, len > 4 ? len - 4 : 0);
	step->index = s->challenges;
	return (1);
    }
    fill(step, TR_RESULT, s, len > 4 ? text + 4 : text + len, len > 4 ? len - 4 : 0);
    step->code = code;
    s->active = 0;
    return (1);
}

 /*
  * "AUTH MECH [INITIAL]": a name of 1 to 20 of A-Z 0-9 - _ (RFC 4422).
  */
static int client_auth(struct tr_stream *s, const char *text, size_t len,
		               struct tr_step *steps)
{
    size_t  i, n;

    if (s->active)
	return (error_step(steps, "AUTH within an AUTH exchange"));
    for (i = 5, n = 0; i < len && text[i] != ' '; i++, n++)
	if (!isalnum((unsigned char) text[i]) && text[i] != '-' && text[i] != '_')
	    return (error_step(steps, "AUTH with a mechanism name that is not one"));
    if (n == 0 || n > TR_MECH_MAX)
	return (error_step(steps, "AUTH without a mechanism name of 1 to %d characters",
			   TR_MECH_MAX));
    memset(s->mech, 0, sizeof(s->mech));
    for (i = 0; i < n; i++)
	s->mech[i] = (char) toupper((unsigned char) text[5 + i]);
    s->active = 1;
    s->challenges = s->responses = s->cancelled = 0;
    fill(steps, TR_AUTH, s, text, len);
    if (5 + n >= len)
	return (1);
    /* An initial response: "=" is the empty one. */
    s->responses = 1;
    text += 6 + n;
    len -= 6 + n;
    if (len == 1 && text[0] == '=')
	fill(steps + 1, TR_EMPTY, s, text, 0);
    else
	fill(steps + 1, TR_RESPONSE, s, text, len);
    steps[1].index = 1;
    steps[1].initial = 1;
    return (2);
}

static int client_says(struct tr_stream *s, const char *text, size_t len,
		               struct tr_step *steps)
{
    if (len >= 5 && strncasecmp(text, "AUTH ", 5) == 0)
	return (client_auth(s, text, len, steps));
    if (!s->active)
	return (0);
    if (len == 1 && text[0] == '*') {
	s->cancelled = 1;
	fill(steps, TR_CANCEL, s, text, len);
	return (1);
    }
    if (++s->responses > TR_STEPS_MAX)
	return (error_step(steps, "more than %d responses in one exchange", TR_STEPS_MAX));
    fill(steps, len == 0 ? TR_EMPTY : TR_RESPONSE, s, text, len);
    steps->index = s->responses;
    return (1);
}

int     tr_line(struct tr_state *st, const char *line, size_t len, struct tr_step *steps)
{
    struct parsed p;
    struct tr_stream *s;
    int     n = 0, got, i;

    st->lineno++;
    for (i = 0; i < TR_STEPS_PER_LINE; i++) {
	memset(steps + i, 0, sizeof(steps[i]));
	steps[i].lineno = st->lineno;
	steps[i].stream = "";
    }
    if (len > TR_LINE_MAX)
	return (error_step(steps, "line longer than %d bytes", TR_LINE_MAX));
    if (len > 0 && line[len - 1] == '\r')
	len--;
    memset(&p, 0, sizeof(p));
    if (!log_line(line, len, &p) && !swaks_line(line, len, &p))
	return (0);
    if (p.stream_len > TR_STREAM_MAX)
	return (error_step(steps, "a process name longer than %d bytes", TR_STREAM_MAX));
    s = find_stream(st, &p, steps, &n);
    s->used = st->lineno;
    if (p.dir == D_CONTENT)
	p.dir = reply_code(p.text, p.len) >= 0 ? D_SERVER : D_CLIENT;
    got = p.dir == D_SERVER ? server_says(s, p.text, p.len, steps + n)
	: client_says(s, p.text, p.len, steps + n);
    for (i = n; i < n + got; i++)
	steps[i].lineno = st->lineno;
    return (n + got);
}

int     tr_finish(struct tr_state *st, struct tr_step *step)
{
    int     i;

    memset(step, 0, sizeof(*step));
    for (i = 0; i < TR_STREAMS; i++) {
	if (st->streams[i].active) {
	    st->streams[i].active = 0;
	    fill(step, TR_UNFINISHED, st->streams + i, "", 0);
	    step->lineno = st->streams[i].used;
	    return (1);
	}
    }
    return (0);
}
