package compress

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
)

// magics are the first bytes of each format, as Barman checks them.
var magics = []struct {
	algo  string
	magic []byte
}{
	{Gzip, []byte{0x1f, 0x8b, 0x08}},
	{Bzip2, []byte("BZh")},
	{XZ, []byte{0xfd, '7', 'z', 'X', 'Z', 0x00}},
	{Zstd, []byte{0x28, 0xb5, 0x2f, 0xfd}},
	{LZ4, []byte{0x04, 0x22, 0x4d, 0x18}},
	{Snappy, []byte("\xff\x06\x00\x00sNaPpY")},
}

// MagicLen is how many leading bytes Detect needs at most for the built-in
// formats. A custom magic may be longer.
const MagicLen = 10

// Detect returns the algorithm whose magic bytes start head, or "" when
// none does (an uncompressed file). A custom magic set with WithCustom is
// tried first and gives Custom; with WithServerCompression(Custom) and no
// custom magic, a head that matches none is Custom.
func Detect(head []byte, opts ...Option) string {
	o := collect(opts)
	if len(o.magic) > 0 && bytes.HasPrefix(head, o.magic) {
		return Custom
	}
	for _, m := range magics {
		if bytes.HasPrefix(head, m.magic) {
			return m.algo
		}
	}
	if o.server == Custom && len(o.magic) == 0 {
		return Custom
	}
	return ""
}

// ParseMagic parses Barman's custom_compression_magic: hex digits after
// "0x", e.g. "0x28b52ffd". An empty text gives nil.
func ParseMagic(text string) ([]byte, error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, nil
	}
	digits, ok := strings.CutPrefix(strings.ToLower(text), "0x")
	if !ok || digits == "" {
		return nil, fmt.Errorf("invalid custom compression magic %q: want 0x followed by hex digits", text)
	}
	if len(digits)%2 == 1 {
		digits = "0" + digits
	}
	b, err := hex.DecodeString(digits)
	if err != nil {
		return nil, fmt.Errorf("invalid custom compression magic %q: %v", text, err)
	}
	return b, nil
}

// OpenAuto peeks at the start of r, recognises the format with Detect and
// returns a reader of the decompressed content with the algorithm's name.
// Input with no known magic is returned as it is, with algo "" (or read
// as custom: see WithServerCompression).
func OpenAuto(r io.Reader, opts ...Option) (rc io.ReadCloser, algo string, err error) {
	o := collect(opts)
	br := bufio.NewReaderSize(r, max(copyBufSize, len(o.magic)))
	head, err := br.Peek(max(MagicLen, len(o.magic)))
	if err != nil && err != io.EOF {
		return nil, "", err
	}
	algo = Detect(head, opts...)
	if algo == "" {
		return io.NopCloser(br), "", nil
	}
	rc, err = NewReader(br, algo, opts...)
	return rc, algo, err
}
