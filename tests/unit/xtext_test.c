/*
 * xtext_test - the RFC 3461 xtext of the DSN parameters ENVID and ORCPT
 * as the LMTP mode takes them in and passes them on: env_xtext_ok() and
 * env_orcpt_ok() (the syntax the LMTP server accepts), env_xtext_decode()
 * (what sendmail(1) gets as -V), and lmtp_param(), which splits the
 * MAIL/RCPT parameter list that carries them. dkimpipe has no xtext
 * encoder: smtpout.c passes the values on as the client sent them, so
 * the round trip below uses the driver's own encoder, written from the
 * RFC, to check every byte value against the decoder.
 * Prints "not ok N: case: got X, want Y" for every mismatch, "ok N
 * cases" at the end, and exits 1 on any.
 */
#include <stdio.h>
#include <string.h>

#include "envelope.h"
#include "lmtp.h"

static size_t ncase, nbad;

/* show - a byte string made printable for a message */
static const char *
show(const char *s, size_t n, char *buf, size_t size)
{
	size_t i, o = 0;

	for (i = 0; i < n && o + 5 < size; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 || c >= 0x7f || c == '\\')
			o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

/* check - count one case; print it when got differs from want */
static void
check(const char *what, const char *got, const char *want)
{
	ncase++;
	if (strcmp(got, want) != 0) {
		nbad++;
		printf("not ok %zu: %s: got \"%s\", want \"%s\"\n", ncase, what,
		    got, want);
	}
}

static void
check_int(const char *what, const char *in, int got, int want)
{
	char b[600];

	ncase++;
	if (got != want) {
		nbad++;
		printf("not ok %zu: %s \"%s\": got %d, want %d\n", ncase, what,
		    show(in, strlen(in), b, sizeof(b)), got, want);
	}
}

/* env_xtext_ok: the syntax of ENVID (and of ORCPT after the ";") */
static const struct { const char *what, *in; size_t max; int want; } okcases[] = {
	{ "plain ASCII", "abc123", 100, 1 },
	{ "address-like", "user@example.com", 100, 1 },
	{ "empty", "", 100, 0 },
	{ "lowest xchar !", "!", 100, 1 },
	{ "highest xchar ~", "~", 100, 1 },
	{ "punctuation", "<a.b_c-d/e>\"#$%&'()*,:;?[]^`{|}", 100, 1 },
	{ "encoded +", "a+2Bb", 100, 1 },
	{ "encoded =", "a+3Db", 100, 1 },
	{ "encoded space", "a+20b", 100, 1 },
	{ "encoded CR LF", "+0D+0A", 100, 1 },
	{ "encoded NUL", "+00", 100, 1 },
	{ "encoded 8-bit byte", "caf+C3+A9", 100, 1 },
	{ "all hex digits", "+09+AF", 100, 1 },
	{ "bare +", "a+b", 100, 0 },
	{ "+ at the end", "abc+", 100, 0 },
	{ "+ and one digit at the end", "abc+4", 100, 0 },
	{ "+ and one hex digit", "+4x", 100, 0 },
	{ "+ with a non-hex letter", "+2G", 100, 0 },
	{ "+ with lower-case hex (RFC 3461: upper case)", "+2b", 100, 0 },
	{ "bare =", "a=b", 100, 0 },
	{ "space", "a b", 100, 0 },
	{ "tab", "a\tb", 100, 0 },
	{ "CR", "a\rb", 100, 0 },
	{ "control byte 0x01", "\x01", 100, 0 },
	{ "DEL", "a\x7f", 100, 0 },
	{ "8-bit byte", "caf\xc3\xa9", 100, 0 },
	{ "byte 0xff", "\xff", 100, 0 },
	{ "byte 0x80", "\x80", 100, 0 },
	{ "at the limit", "abcde", 5, 1 },
	{ "one over the limit", "abcdef", 5, 0 },
	{ "the limit counts encoded bytes", "+2B+2B", 5, 0 },
	{ "encoded, at the limit", "a+2B", 4, 1 },
};

/* env_orcpt_ok: "addr-type;xtext" */
static const struct { const char *what, *in; int want; } orcases[] = {
	{ "rfc822", "rfc822;user@example.com", 1 },
	{ "utf-8 type", "utf-8;user@example.com", 1 },
	{ "encoded + in the address", "rfc822;user+2Btag@example.com", 1 },
	{ "bare + in the address", "rfc822;user+tag@example.com", 0 },
	{ "= in the address", "rfc822;a=b@example.com", 0 },
	{ "8-bit address", "rfc822;us\xc3\xa9r@example.com", 0 },
	{ "no type", ";user@example.com", 0 },
	{ "no semicolon", "user@example.com", 0 },
	{ "empty address", "rfc822;", 0 },
	{ "empty", "", 0 },
	{ "control byte in the address", "rfc822;a\x01" "b", 0 },
	{ "a second ; belongs to the xtext", "rfc822;a;b", 1 },
};

/* env_xtext_decode */
static const struct { const char *what, *in; size_t size; const char *want; size_t wlen; }
    deccases[] = {
	{ "plain ASCII", "abc", 64, "abc", 3 },
	{ "empty", "", 64, "", 0 },
	{ "+", "+2B", 64, "+", 1 },
	{ "=", "+3D", 64, "=", 1 },
	{ "space", "a+20b", 64, "a b", 3 },
	{ "CR LF", "x+0D+0Ay", 64, "x\r\ny", 4 },
	{ "control byte", "+01", 64, "\x01", 1 },
	{ "8-bit bytes", "caf+C3+A9", 64, "caf\xc3\xa9", 5 },
	{ "byte 0xff", "+FF", 64, "\xff", 1 },
	{ "NUL: the bytes after it stay", "a+00b", 64, "a\0b", 3 },
	{ "consecutive", "+41+42+43", 64, "ABC", 3 },
	{ "lower-case hex is not decoded", "+2b", 64, "+2b", 3 },
	{ "bare + kept", "a+b", 64, "a+b", 3 },
	{ "+ at the end kept", "ab+", 64, "ab+", 3 },
	{ "+ and one digit at the end kept", "ab+4", 64, "ab+4", 4 },
	{ "truncated to the buffer", "abcdef", 4, "abc", 3 },
	{ "truncated after encoded bytes", "+41+42+43", 3, "AB", 2 },
	{ "buffer of one byte", "abc", 1, "", 0 },
};

/* lmtp_param: "KEY=VALUE ..." as split for MAIL and RCPT */
static const struct { const char *what, *in; size_t ksize, vsize; const char *want; }
    parcases[] = {
	{ "ENVID and RET", "ENVID=abc+2Bd RET=HDRS", 32, 64,
	  "ENVID=abc+2Bd|RET=HDRS|" },
	{ "key upper-cased, value kept", "envid=aBc", 32, 64, "ENVID=aBc|" },
	{ "ORCPT: split at the first =", "ORCPT=rfc822;a+3Db", 32, 64,
	  "ORCPT=rfc822;a+3Db|" },
	{ "= inside the value", "ORCPT=rfc822;a=b", 32, 64, "ORCPT=rfc822;a=b|" },
	{ "keyword without value", "SMTPUTF8 BODY=8BITMIME", 32, 64,
	  "SMTPUTF8=|BODY=8BITMIME|" },
	{ "empty value", "ENVID=", 32, 64, "ENVID=|" },
	{ "extra spaces", "  NOTIFY=SUCCESS,FAILURE   ORCPT=rfc822;x  ", 32, 64,
	  "NOTIFY=SUCCESS,FAILURE|ORCPT=rfc822;x|" },
	{ "empty list", "", 32, 64, "" },
	{ "spaces only", "   ", 32, 64, "" },
	{ "no key", "=x", 32, 64, "ERR" },
	{ "key fills its buffer", "ABCD=x", 4, 64, "ERR" },
	{ "key just fits", "ABC=x", 4, 64, "ABC=x|" },
	{ "value fills its buffer", "K=abcd", 32, 4, "ERR" },
	{ "value just fits", "K=abc", 32, 4, "K=abc|" },
	{ "error after a good one", "RET=FULL =x", 32, 64, "RET=FULL|ERR" },
};

/* xtext_encode - RFC 3461 4: xchar as is, everything else "+HH" */
static void
xtext_encode(const unsigned char *in, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (in[i] >= '!' && in[i] <= '~' && in[i] != '+' && in[i] != '=')
			*out++ = (char)in[i];
		else
			out += sprintf(out, "+%02X", in[i]);
	*out = '\0';
}

static void
test_ok(void)
{
	size_t i;

	for (i = 0; i < sizeof(okcases) / sizeof(okcases[0]); i++)
		check_int(okcases[i].what, okcases[i].in,
		    env_xtext_ok(okcases[i].in, okcases[i].max), okcases[i].want);
	for (i = 0; i < sizeof(orcases) / sizeof(orcases[0]); i++)
		check_int(orcases[i].what, orcases[i].in,
		    env_orcpt_ok(orcases[i].in), orcases[i].want);
}

/* test_limits - ENVID's 100 and ORCPT's 500 (RFC 3461 4.4, 4.2) */
static void
test_limits(void)
{
	char v[600];

	memset(v, 'a', sizeof(v));
	v[ENV_ENVID_MAX] = '\0';
	check_int("ENVID of 100 bytes", "a...", env_xtext_ok(v, ENV_ENVID_MAX), 1);
	v[ENV_ENVID_MAX] = 'a';
	v[ENV_ENVID_MAX + 1] = '\0';
	check_int("ENVID of 101 bytes", "a...", env_xtext_ok(v, ENV_ENVID_MAX), 0);
	memset(v, 'a', sizeof(v));
	memcpy(v, "rfc822;", 7);
	v[7 + 500] = '\0';
	check_int("ORCPT with 500 bytes of xtext", "rfc822;a...", env_orcpt_ok(v), 1);
	v[7 + 500] = 'a';
	v[7 + 501] = '\0';
	check_int("ORCPT with 501 bytes of xtext", "rfc822;a...", env_orcpt_ok(v), 0);
}

static void
test_decode(void)
{
	char out[80], got[320], want[320], what[160];
	size_t i, j, n;

	for (i = 0; i < sizeof(deccases) / sizeof(deccases[0]); i++) {
		memset(out, 0x55, sizeof(out));
		env_xtext_decode(deccases[i].in, out, deccases[i].size);
		n = deccases[i].wlen;
		/* the bytes, the terminating NUL, and nothing past the buffer */
		if (memcmp(out, deccases[i].want, n) != 0 || out[n] != '\0')
			show(out, n + 1, got, sizeof(got));
		else
			show(deccases[i].want, n + 1, got, sizeof(got));
		for (j = deccases[i].size; j < sizeof(out); j++)
			if ((unsigned char)out[j] != 0x55)
				snprintf(got, sizeof(got), "a write at offset %zu", j);
		show(deccases[i].want, n + 1, want, sizeof(want));
		snprintf(what, sizeof(what), "decode %s \"%s\" into %zu bytes",
		    deccases[i].what, deccases[i].in, deccases[i].size);
		check(what, got, want);
	}
}

/* test_roundtrip - every byte value 0x01-0xff, alone and in a string */
static void
test_roundtrip(void)
{
	unsigned char raw[8];
	char enc[32], dec[32], got[64], want[64], what[64];
	int c;

	for (c = 1; c < 256; c++) {
		raw[0] = 'x';
		raw[1] = (unsigned char)c;
		raw[2] = 'y';
		xtext_encode(raw, 3, enc);
		snprintf(what, sizeof(what), "byte 0x%02x encoded as %s is xtext", c, enc);
		check_int(what, enc, env_xtext_ok(enc, ENV_ENVID_MAX), 1);
		env_xtext_decode(enc, dec, sizeof(dec));
		snprintf(what, sizeof(what), "byte 0x%02x round trip", c);
		check(what, show(dec, strlen(dec), got, sizeof(got)),
		    show((const char *)raw, 3, want, sizeof(want)));
	}
}

static void
test_param(void)
{
	char key[64], val[128], got[256], what[160];
	const char *p;
	size_t i, o;
	int r;

	for (i = 0; i < sizeof(parcases) / sizeof(parcases[0]); i++) {
		p = parcases[i].in;
		o = 0;
		got[0] = '\0';
		while ((r = lmtp_param(&p, key, parcases[i].ksize, val,
		    parcases[i].vsize)) > 0 && o < sizeof(got) - 1)
			o += (size_t)snprintf(got + o, sizeof(got) - o, "%s=%s|", key, val);
		if (r < 0 && o < sizeof(got) - 4)
			strcat(got, "ERR");
		snprintf(what, sizeof(what), "lmtp_param %s \"%s\"", parcases[i].what,
		    parcases[i].in);
		check(what, got, parcases[i].want);
	}
}

int
main(void)
{
	test_ok();
	test_limits();
	test_decode();
	test_roundtrip();
	test_param();
	if (nbad) {
		printf("%zu of %zu cases failed\n", nbad, ncase);
		return 1;
	}
	printf("ok %zu cases\n", ncase);
	return 0;
}
