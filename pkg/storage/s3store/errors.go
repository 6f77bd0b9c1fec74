package s3store

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"syscall"

	"github.com/minio/minio-go/v7"

	"github.com/gobarman/barman/pkg/storage"
)

// Kind sorts the errors of a store into what a user must do about them.
type Kind int

const (
	// Other: the server answered with an error not listed below.
	Other Kind = iota
	// Network: the server could not be reached or stopped answering
	// (refused, reset, timeout, DNS, TLS), after the retries.
	Network
	// NoBucket: the bucket does not exist.
	NoBucket
	// Auth: the server refused the credentials or the permission.
	Auth
	// NotFound: the object does not exist.
	NotFound
	// Exists: a conditional create found the object already stored.
	Exists
	// Corrupt: the content read does not match its checksum.
	Corrupt
)

// Error is an error of a store's operation, with its Kind.
type Error struct {
	Op     string // "open", "upload", "list", ...
	Bucket string
	Name   string // the blob or prefix, relative to the store's prefix
	Kind   Kind
	Code   string // the S3 error code, if the server answered
	Err    error
}

func (e *Error) Error() string {
	where := "s3://" + e.Bucket
	if e.Name != "" {
		where += " " + e.Name
	}
	msg := fmt.Sprintf("s3: %s %s: %v", e.Op, where, e.Err)
	switch e.Kind {
	case Network:
		msg += " (the endpoint cannot be reached: check --endpoint-url, the network and that the server runs)"
	case NoBucket:
		msg += " (the bucket does not exist: create it, or check the URL)"
	case Auth:
		msg += " (access denied: check the credentials (AWS_ACCESS_KEY_ID, ~/.aws/credentials, --profile) and the bucket's policy)"
	}
	return msg
}

func (e *Error) Unwrap() error {
	switch e.Kind {
	case NotFound:
		return errors.Join(e.Err, storage.ErrNotExist)
	case Exists:
		return errors.Join(e.Err, storage.ErrExist)
	case Corrupt:
		return errors.Join(e.Err, ErrCorrupt)
	}
	return e.Err
}

// KindOf returns the Kind of err (Other if it is not a store's error).
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if errors.Is(err, ErrCorrupt) {
		return Corrupt
	}
	if isNetwork(err) {
		return Network
	}
	return Other
}

func (s *Store) wrap(op, name string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: op, Bucket: s.cfg.Bucket, Name: name, Err: err}
	resp := minio.ToErrorResponse(err)
	e.Code = resp.Code
	switch {
	case errors.Is(err, ErrCorrupt):
		e.Kind = Corrupt
	case resp.Code == "NoSuchBucket":
		e.Kind = NoBucket
	case resp.Code == "NoSuchKey" || resp.Code == "NotFound" && name != "":
		e.Kind = NotFound
	case resp.Code == "PreconditionFailed" || resp.StatusCode == 412:
		e.Kind = Exists
	case resp.Code == "AccessDenied" || resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch" ||
		resp.StatusCode == 403 || resp.StatusCode == 401:
		e.Kind = Auth
	case resp.Code == "" && isNetwork(err):
		e.Kind = Network
	}
	return e
}

func (s *Store) wrapPut(name string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("s3: upload of %s: %w", name, err)
	}
	return s.wrap("upload", name, err)
}

// isNetwork: the request did not get an HTTP answer.
func isNetwork(err error) bool {
	var ne net.Error
	var ue *url.Error
	var oe *net.OpError
	var dnse *net.DNSError
	switch {
	case errors.As(err, &dnse), errors.As(err, &oe), errors.As(err, &ne):
		return true
	case errors.Is(err, syscall.ECONNREFUSED), errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return true
	case errors.As(err, &ue):
		return true
	}
	return false
}
