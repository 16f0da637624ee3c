/*
 * Unicode NFC for text the C side must compare byte for byte (pure).
 * Vietnamese can be typed as precomposed letters (ấ, U+1EA5) or as a base
 * letter and combining marks (a + U+0302 + U+0301), depending on the
 * keyboard and the system; both look the same to the person typing. A
 * password is hashed as bytes, so it is brought to NFC first, or a member
 * whose phone sends the other form could not log in. ICU (libicu, from
 * Debian) does the normalising. Text stored by SQL is normalised there
 * (normalize(..., NFC)).
 */

#include <string.h>

#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include "handbook.h"

#define NFC_UNITS_MAX	2048	/* UTF-16 units: passwords, short text */

/*
 * Writes the NFC form of the UTF-8 string in into out; returns 1, or 0
 * when in is not valid UTF-8 or the result does not fit.
 */
int
text_nfc(const char *in, char *out, size_t outlen)
{
	const UNormalizer2	*nfc;
	UErrorCode		status;
	UChar			src[NFC_UNITS_MAX], dst[NFC_UNITS_MAX];
	int32_t			srclen, dstlen, outbytes;

	status = U_ZERO_ERROR;
	if ((nfc = unorm2_getNFCInstance(&status)) == NULL || U_FAILURE(status))
		return (0);

	u_strFromUTF8(src, NFC_UNITS_MAX, &srclen, in, -1, &status);
	if (U_FAILURE(status) || srclen >= NFC_UNITS_MAX)
		return (0);

	dstlen = unorm2_normalize(nfc, src, srclen, dst, NFC_UNITS_MAX,
	    &status);
	if (U_FAILURE(status) || dstlen >= NFC_UNITS_MAX)
		return (0);

	u_strToUTF8(out, (int32_t)outlen, &outbytes, dst, dstlen, &status);
	if (U_FAILURE(status) || (size_t)outbytes >= outlen)
		return (0);
	out[outbytes] = '\0';

	return (1);
}
