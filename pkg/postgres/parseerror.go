package postgres

import (
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
)

// ParseError is a connection string that could not be parsed. It shows
// the string masked by MaskConninfo: pgx's own message quotes it with a
// best-effort redaction (a password with an escaped space shows its
// second half) and may quote a word of a password written without
// quotes.
type ParseError struct {
	Masked string // the connection string, masked
	Reason string // what is wrong, without the connection string
	cause  error
}

func (e *ParseError) Error() string {
	return fmt.Sprintf("invalid connection string %q: %s", e.Masked, e.Reason)
}

func (e *ParseError) Unwrap() error { return e.cause }

// NewParseError turns the error of pgx.ParseConfig or pgconn.ParseConfig
// for conninfo into a ParseError. A syntax error of the keyword form is
// reported by MaskConninfo's reader, whose messages quote nothing; the
// other reasons are pgx's, with its copy of the string cut off.
func NewParseError(conninfo string, err error) *ParseError {
	masked, syntaxErr := maskConninfo(conninfo)
	if syntaxErr != nil {
		return &ParseError{Masked: masked, Reason: syntaxErr.Error(), cause: syntaxErr}
	}
	var pe *pgconn.ParseConfigError
	if !errors.As(err, &pe) {
		return &ParseError{Masked: masked, Reason: err.Error(), cause: err}
	}
	// pgx writes "cannot parse `<redacted string>`: <reason>".
	reason, ok := strings.CutPrefix(pe.Error(), (&pgconn.ParseConfigError{ConnString: pe.ConnString}).Error())
	if !ok {
		reason = "pgx cannot parse it"
	}
	return &ParseError{Masked: masked, Reason: reason, cause: pe.Unwrap()}
}
