package s3store

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"hash/crc32"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
	"github.com/minio/minio-go/v7/pkg/encrypt"

	"github.com/gobarman/barman/pkg/storage"
)

// DefaultPartSize is the size of the parts of a multipart upload: S3's
// minimum is 5 MiB and its maximum count 10,000, so 16 MiB parts carry
// objects up to 156 GiB; larger parts are chosen for larger MaxSize.
const DefaultPartSize = 16 << 20

// ErrCorrupt is returned (wrapped) by a read whose content does not match
// the checksum stored with the object.
var ErrCorrupt = errors.New("object content does not match its stored checksum")

// Config says where the blobs are and how to reach them.
type Config struct {
	Bucket      string
	Prefix      string        // key prefix inside the bucket, without leading or trailing "/"
	Endpoint    string        // e.g. "http://127.0.0.1:9000"; empty: AWS S3 of Region
	Region      string        // empty: AWS_REGION, AWS_DEFAULT_REGION, else us-east-1
	Profile     string        // shared credentials file profile; empty: the chain
	ReadTimeout time.Duration // waiting for a response; 0: 60 s
	Encryption  string        // "", "AES256" or "aws:kms"
	KMSKeyID    string        // with aws:kms: the key (empty: the bucket's default)
	PartSize    int64         // 0: DefaultPartSize
	Jobs        int           // parts uploaded at once per object; 0: 2
	Retries     int           // 0: 10 (with exponential backoff, capped at 1 s per wait)
	Tags        map[string]string
}

// Store is a storage.Storage on an S3 bucket.
type Store struct {
	cfg    Config
	client *minio.Client
	sse    encrypt.ServerSide
}

var _ storage.Storage = (*Store)(nil)

// New makes a Store. It does not contact the server: see Check.
func New(cfg Config) (*Store, error) {
	if cfg.Bucket == "" {
		return nil, errors.New("s3: no bucket given")
	}
	cfg.Prefix = strings.Trim(cfg.Prefix, "/")
	if cfg.PartSize == 0 {
		cfg.PartSize = DefaultPartSize
	}
	if cfg.PartSize < 5<<20 {
		return nil, fmt.Errorf("s3: part size %d is below S3's minimum of 5 MiB", cfg.PartSize)
	}
	if cfg.Jobs <= 0 {
		cfg.Jobs = 2
	}
	if cfg.Retries <= 0 {
		cfg.Retries = 10
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 60 * time.Second
	}
	if cfg.Region == "" {
		cfg.Region = firstEnv("AWS_REGION", "AWS_DEFAULT_REGION")
	}
	host, secure := "s3.amazonaws.com", true
	if cfg.Region != "" && cfg.Endpoint == "" {
		host = "s3." + cfg.Region + ".amazonaws.com"
	}
	if cfg.Endpoint != "" {
		u, err := url.Parse(cfg.Endpoint)
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			return nil, fmt.Errorf("s3: endpoint URL %q: want http://HOST[:PORT] or https://HOST[:PORT]", cfg.Endpoint)
		}
		if u.Path != "" && u.Path != "/" {
			return nil, fmt.Errorf("s3: endpoint URL %q: a path is not supported; put it in the destination URL", cfg.Endpoint)
		}
		host, secure = u.Host, u.Scheme == "https"
		if cfg.Region == "" {
			cfg.Region = "us-east-1"
		}
	}
	tr, err := transport(secure, cfg.ReadTimeout)
	if err != nil {
		return nil, err
	}
	client, err := minio.New(host, &minio.Options{
		Creds:           credentialChain(cfg.Profile),
		Secure:          secure,
		Transport:       tr,
		Region:          cfg.Region,
		BucketLookup:    minio.BucketLookupAuto,
		TrailingHeaders: true,
		MaxRetries:      cfg.Retries,
	})
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	s := &Store{cfg: cfg, client: client}
	switch cfg.Encryption {
	case "":
	case "AES256":
		s.sse = encrypt.NewSSE()
	case "aws:kms":
		if s.sse, err = encrypt.NewSSEKMS(cfg.KMSKeyID, nil); err != nil {
			return nil, fmt.Errorf("s3: SSE-KMS: %w", err)
		}
	default:
		return nil, fmt.Errorf("s3: encryption %q: want AES256 or aws:kms", cfg.Encryption)
	}
	return s, nil
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// credentialChain is the AWS order: with a profile, that profile of the
// shared credentials file; otherwise the environment (AWS_ACCESS_KEY_ID,
// AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), then the shared credentials
// file (AWS_SHARED_CREDENTIALS_FILE or ~/.aws/credentials, profile
// AWS_PROFILE or default), then the instance's metadata service.
func credentialChain(profile string) *credentials.Credentials {
	if profile != "" {
		return credentials.NewFileAWSCredentials("", profile)
	}
	return credentials.NewChainCredentials([]credentials.Provider{
		&credentials.EnvAWS{},
		&credentials.FileAWSCredentials{},
		&credentials.IAM{},
	})
}

// transport is minio's default transport with a response timeout and, as
// the AWS tools do, the CA bundle named by AWS_CA_BUNDLE.
func transport(secure bool, readTimeout time.Duration) (*http.Transport, error) {
	tr, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, fmt.Errorf("s3: %w", err)
	}
	tr.ResponseHeaderTimeout = readTimeout
	if bundle := os.Getenv("AWS_CA_BUNDLE"); bundle != "" && secure {
		pem, err := os.ReadFile(bundle)
		if err != nil {
			return nil, fmt.Errorf("s3: AWS_CA_BUNDLE: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("s3: AWS_CA_BUNDLE %s holds no PEM certificate", bundle)
		}
		if tr.TLSClientConfig == nil {
			tr.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
		}
		tr.TLSClientConfig.RootCAs = pool
	}
	return tr, nil
}

// Config returns the configuration the store was made with (defaults filled in).
func (s *Store) Config() Config { return s.cfg }

// URL is the location of the store's root, s3://BUCKET/PREFIX.
func (s *Store) URL() string { return "s3://" + path.Join(s.cfg.Bucket, s.cfg.Prefix) }

func (s *Store) key(name string) string {
	if s.cfg.Prefix == "" {
		return name
	}
	return s.cfg.Prefix + "/" + name
}

func (s *Store) name(key string) string {
	if s.cfg.Prefix == "" {
		return key
	}
	return strings.TrimPrefix(key, s.cfg.Prefix+"/")
}

// Check contacts the server and says whether the bucket exists. An error
// means the server could not answer (see Classify).
func (s *Store) Check(ctx context.Context) (bool, error) {
	ok, err := s.client.BucketExists(ctx, s.cfg.Bucket)
	if err != nil {
		return false, s.wrap("check bucket", s.cfg.Bucket, err)
	}
	return ok, nil
}

// CreateBucket creates the bucket (in the store's region).
func (s *Store) CreateBucket(ctx context.Context) error {
	err := s.client.MakeBucket(ctx, s.cfg.Bucket, minio.MakeBucketOptions{Region: s.cfg.Region})
	if err != nil {
		if code := minio.ToErrorResponse(err).Code; code == "BucketAlreadyOwnedByYou" || code == "BucketAlreadyExists" {
			return nil
		}
		return s.wrap("create bucket", s.cfg.Bucket, err)
	}
	return nil
}

// putOptions: multipart uploads carry a full-object CRC32C (the CRC32C of
// the whole content, not of the parts' checksums), single PUTs a CRC32C.
func (s *Store) putOptions(opts storage.CreateOptions, multipart bool) minio.PutObjectOptions {
	sum := minio.ChecksumCRC32C
	if multipart {
		sum = minio.ChecksumFullObjectCRC32C
	}
	po := minio.PutObjectOptions{
		PartSize:             uint64(s.cfg.PartSize),
		NumThreads:           uint(s.cfg.Jobs),
		ServerSideEncryption: s.sse,
		Checksum:             sum,
		UserTags:             s.cfg.Tags,
		ContentType:          "application/octet-stream",
	}
	if s.cfg.Jobs > 1 {
		po.ConcurrentStreamParts = true
	}
	if opts.IfNotExists {
		po.SetMatchETagExcept("*")
	}
	return po
}

// Create starts writing name; see the package documentation.
func (s *Store) Create(ctx context.Context, name string, opts storage.CreateOptions) (storage.Writer, error) {
	if err := storage.ValidName(name); err != nil {
		return nil, err
	}
	return &writer{s: s, ctx: ctx, name: name, opts: opts}, nil
}

type writer struct {
	s    *Store
	ctx  context.Context
	name string
	opts storage.CreateOptions

	buf     []byte // the first part, until it is full
	pw      *io.PipeWriter
	result  chan error
	done    bool
	failure error
}

var errAborted = errors.New("upload aborted")

func (w *writer) Write(p []byte) (int, error) {
	if w.done {
		return 0, errors.New("s3: write after commit or abort")
	}
	if w.failure != nil {
		return 0, w.failure
	}
	if w.pw == nil {
		room := int(w.s.cfg.PartSize) - len(w.buf)
		if len(p) <= room {
			w.buf = append(w.buf, p...)
			return len(p), nil
		}
		w.buf = append(w.buf, p[:room]...)
		w.start()
		n, err := w.pw.Write(p[room:])
		return room + n, w.fail(err)
	}
	n, err := w.pw.Write(p)
	return n, w.fail(err)
}

func (w *writer) fail(err error) error {
	if err != nil && w.failure == nil {
		w.failure = err
		if w.pw != nil {
			// The upload ended early: its error says why.
			if uerr := w.wait(); uerr != nil {
				w.failure = uerr
			}
		}
	}
	return w.failure
}

// start begins the multipart upload of a blob larger than one part.
func (w *writer) start() {
	pr, pw := io.Pipe()
	w.pw = pw
	w.result = make(chan error, 1)
	first := w.buf
	w.buf = nil
	go func() {
		_, err := w.s.client.PutObject(w.ctx, w.s.cfg.Bucket, w.s.key(w.name),
			io.MultiReader(bytes.NewReader(first), pr), -1, w.s.putOptions(w.opts, true))
		pr.CloseWithError(errAborted)
		w.result <- err
	}()
}

func (w *writer) wait() error {
	if w.result == nil {
		return nil
	}
	err := <-w.result
	w.result = nil
	if err == nil {
		return nil
	}
	return w.s.wrapPut(w.name, err)
}

func (w *writer) Commit() error {
	if w.done {
		return errors.New("s3: commit after commit or abort")
	}
	w.done = true
	if w.failure != nil {
		if w.pw != nil {
			w.pw.CloseWithError(errAborted)
			_ = w.wait()
		}
		return w.failure
	}
	if err := w.ctx.Err(); err != nil {
		if w.pw != nil {
			w.pw.CloseWithError(err)
			_ = w.wait()
		}
		return fmt.Errorf("s3: upload of %s: %w", w.name, err)
	}
	if w.pw == nil {
		po := w.s.putOptions(w.opts, false)
		// The checksum goes as a header computed here, not as a trailer:
		// some servers (Versity S3 Gateway 1.8) miscompute trailers of
		// single PUTs.
		po.Checksum = minio.ChecksumNone
		po.UserMetadata = map[string]string{"x-amz-checksum-crc32c": crc32cOf(w.buf)}
		_, err := w.s.client.PutObject(w.ctx, w.s.cfg.Bucket, w.s.key(w.name),
			bytes.NewReader(w.buf), int64(len(w.buf)), po)
		w.buf = nil
		if err != nil {
			return w.s.wrapPut(w.name, err)
		}
		return nil
	}
	w.pw.Close()
	return w.wait()
}

func (w *writer) Abort() error {
	if w.done {
		return nil
	}
	w.done = true
	w.buf = nil
	if w.pw != nil {
		w.pw.CloseWithError(errAborted)
		_ = w.wait()
	}
	return nil
}

// Open opens name for reading; the reader checks the stored checksum at
// the end of the content.
func (s *Store) Open(ctx context.Context, name string) (io.ReadCloser, error) {
	if err := storage.ValidName(name); err != nil {
		return nil, err
	}
	// One GET whose body is streamed: a reader keeps the version it
	// opened even if the object is replaced meanwhile (minio.Object would
	// issue further requests, which fail once the ETag changed).
	core := minio.Core{Client: s.client}
	body, info, _, err := core.GetObject(ctx, s.cfg.Bucket, s.key(name), minio.GetObjectOptions{Checksum: true, ServerSideEncryption: sseForRead(s.sse)})
	if err != nil {
		return nil, s.missing(ctx, s.wrap("open", name, err))
	}
	return newVerifier(body, name, info), nil
}

// missing turns a NotFound into NoBucket when the bucket is what is
// missing: some servers answer NoSuchKey for a key of a missing bucket.
func (s *Store) missing(ctx context.Context, err error) error {
	var e *Error
	if errors.As(err, &e) && e.Kind == NotFound {
		if ok, cerr := s.client.BucketExists(ctx, s.cfg.Bucket); cerr == nil && !ok {
			e.Kind = NoBucket
		}
	}
	return err
}

// sseForRead: SSE-S3 and SSE-KMS need no header on GET (only SSE-C would).
func sseForRead(encrypt.ServerSide) encrypt.ServerSide { return nil }

// verifier hashes what is read and compares at EOF.
type verifier struct {
	rc       io.ReadCloser
	name     string
	h        hash.Hash
	want     []byte
	kind     string
	size     int64
	read     int64
	verified bool
}

func newVerifier(rc io.ReadCloser, name string, info minio.ObjectInfo) *verifier {
	v := &verifier{rc: rc, name: name, size: info.Size}
	switch {
	// A CRC32C of the whole content: a single PUT's, or a multipart
	// upload's of the full-object type (a composite one, "...-N", is a
	// checksum of the parts' checksums and cannot be checked here).
	case info.ChecksumCRC32C != "" && (info.ChecksumMode == "FULL_OBJECT" || info.ChecksumMode == "" && !strings.Contains(info.ChecksumCRC32C, "-")):
		if want, err := base64.StdEncoding.DecodeString(info.ChecksumCRC32C); err == nil && len(want) == 4 {
			v.h, v.want, v.kind = crc32.New(crc32.MakeTable(crc32.Castagnoli)), want, "CRC32C"
		}
	case isPlainMD5(info.ETag) && info.Metadata.Get("X-Amz-Server-Side-Encryption") != "aws:kms":
		if want, err := hex.DecodeString(strings.Trim(info.ETag, `"`)); err == nil {
			v.h, v.want, v.kind = md5.New(), want, "MD5 (ETag)"
		}
	}
	return v
}

func isPlainMD5(etag string) bool {
	etag = strings.Trim(etag, `"`)
	if len(etag) != 32 {
		return false
	}
	_, err := hex.DecodeString(etag)
	return err == nil
}

func (v *verifier) Read(p []byte) (int, error) {
	n, err := v.rc.Read(p)
	if err != nil && err != io.EOF && strings.HasPrefix(err.Error(), "checksum mismatch") {
		// minio-go's own check of the stored checksum (it runs first).
		return n, fmt.Errorf("s3: %s: %v: %w", v.name, err, ErrCorrupt)
	}
	if n > 0 && v.h != nil {
		v.h.Write(p[:n])
	}
	v.read += int64(n)
	if err == io.EOF {
		if v.read != v.size {
			return n, fmt.Errorf("s3: %s: read %d bytes of %d: %w", v.name, v.read, v.size, io.ErrUnexpectedEOF)
		}
		if v.h != nil && !v.verified {
			got := v.h.Sum(nil)
			if !bytes.Equal(got, v.want) {
				return n, fmt.Errorf("s3: %s: %s %x, stored %x: %w", v.name, v.kind, got, v.want, ErrCorrupt)
			}
			v.verified = true
		}
	}
	return n, err
}

func (v *verifier) Close() error { return v.rc.Close() }

// Verified reports whether a checksum was there to check.
func (v *verifier) Verified() bool { return v.h != nil }

// Stat describes name.
func (s *Store) Stat(ctx context.Context, name string) (storage.Info, error) {
	if err := storage.ValidName(name); err != nil {
		return storage.Info{}, err
	}
	info, err := s.client.StatObject(ctx, s.cfg.Bucket, s.key(name), minio.StatObjectOptions{})
	if err != nil {
		return storage.Info{}, s.missing(ctx, s.wrap("stat", name, err))
	}
	return storage.Info{Name: name, Size: info.Size, ModTime: info.LastModified}, nil
}

// Remove deletes name; a missing name is not an error.
func (s *Store) Remove(ctx context.Context, name string) error {
	if err := storage.ValidName(name); err != nil {
		return err
	}
	if err := s.client.RemoveObject(ctx, s.cfg.Bucket, s.key(name), minio.RemoveObjectOptions{}); err != nil {
		if minio.ToErrorResponse(err).Code == "NoSuchKey" {
			return nil
		}
		return s.wrap("remove", name, err)
	}
	return nil
}

// RemoveAll deletes names in batches of up to 1000 (DeleteObjects) and
// returns the first error.
func (s *Store) RemoveAll(ctx context.Context, names []string) error {
	ch := make(chan minio.ObjectInfo)
	go func() {
		defer close(ch)
		for _, n := range names {
			select {
			case ch <- minio.ObjectInfo{Key: s.key(n)}:
			case <-ctx.Done():
				return
			}
		}
	}()
	var first error
	for e := range s.client.RemoveObjects(ctx, s.cfg.Bucket, ch, minio.RemoveObjectsOptions{}) {
		if e.Err != nil && first == nil && minio.ToErrorResponse(e.Err).Code != "NoSuchKey" {
			first = s.wrap("remove", s.name(e.ObjectName), e.Err)
		}
	}
	if first == nil {
		first = ctx.Err()
	}
	return first
}

// List calls fn for each blob under prefix, in byte order.
func (s *Store) List(ctx context.Context, prefix string, opts storage.ListOptions, fn func(storage.Info) error) error {
	if opts.Delimiter != "" && opts.Delimiter != "/" {
		return fmt.Errorf("list delimiter %q: only \"/\" is supported", opts.Delimiter)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	full := s.key(prefix)
	if prefix == "" && s.cfg.Prefix != "" {
		full = s.cfg.Prefix + "/"
	}
	// With a delimiter, servers send a page's keys and common prefixes as
	// two lists: they are merged here into byte order (such listings are
	// one directory level, small).
	var dirList []storage.Info
	for o := range s.client.ListObjects(ctx, s.cfg.Bucket, minio.ListObjectsOptions{Prefix: full, Recursive: opts.Delimiter == ""}) {
		if o.Err != nil {
			return s.missing(ctx, s.wrap("list", prefix, o.Err))
		}
		info := storage.Info{Name: s.name(o.Key), Size: o.Size, ModTime: o.LastModified}
		if opts.Delimiter != "" {
			info.Dir = strings.HasSuffix(o.Key, "/")
			dirList = append(dirList, info)
			continue
		}
		if err := fn(info); err != nil {
			return err
		}
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	slices.SortFunc(dirList, func(a, b storage.Info) int { return strings.Compare(a.Name, b.Name) })
	for _, info := range dirList {
		if err := fn(info); err != nil {
			return err
		}
	}
	return nil
}

// AbortIncomplete aborts the multipart uploads under prefix that a killed
// writer left (they cost storage, though no listing shows them). It
// returns how many it aborted.
func (s *Store) AbortIncomplete(ctx context.Context, prefix string) (int, error) {
	n := 0
	for u := range s.client.ListIncompleteUploads(ctx, s.cfg.Bucket, s.key(prefix), true) {
		if u.Err != nil {
			return n, s.wrap("list incomplete uploads", prefix, u.Err)
		}
		if err := s.client.RemoveIncompleteUpload(ctx, s.cfg.Bucket, u.Key); err != nil {
			return n, s.wrap("abort incomplete upload", s.name(u.Key), err)
		}
		n++
	}
	return n, nil
}

// crc32cOf is the base64 CRC32C of data, as S3 shows it.
func crc32cOf(data []byte) string {
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.Checksum(data, crc32.MakeTable(crc32.Castagnoli)))
	return base64.StdEncoding.EncodeToString(b[:])
}
