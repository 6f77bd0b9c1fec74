package pgtest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3 is a real S3-compatible server (Versity S3 Gateway, posix backend) on
// 127.0.0.1 with throwaway root credentials, owned by one test.
type S3 struct {
	Host      string // 127.0.0.1
	Port      int
	Dir       string // work directory: data/ (the buckets), sidecar/, log
	LogFile   string
	AccessKey string
	SecretKey string

	bin  string
	proc *daemon
}

// VersityGW finds the versitygw binary: $VERSITYGW, PATH, $GOBIN,
// $(go env GOPATH)/bin, /usr/local/bin.
func VersityGW() string {
	if p := os.Getenv("VERSITYGW"); p != "" {
		return p
	}
	if p, err := exec.LookPath("versitygw"); err == nil {
		return p
	}
	cands := []string{"/usr/local/bin/versitygw"}
	if gobin := os.Getenv("GOBIN"); gobin != "" {
		cands = append(cands, filepath.Join(gobin, "versitygw"))
	}
	if home, err := os.UserHomeDir(); err == nil {
		cands = append(cands, filepath.Join(home, "go", "bin", "versitygw"))
	}
	for _, c := range cands {
		if executable(c) {
			return c
		}
	}
	return "versitygw"
}

// StartS3 starts versitygw on a free port and waits until it answers. It
// is killed and its directory removed when the test ends.
func StartS3(t testing.TB) *S3 {
	t.Helper()
	bin := VersityGW()
	Require(t, "Versity S3 Gateway (make deps installs it: go install github.com/versity/versitygw/cmd/versitygw@v1.8.0)", bin)
	s := &S3{Host: "127.0.0.1", bin: bin, AccessKey: "pgtest" + randHex(4), SecretKey: randHex(16)}
	s.Dir = workDir(t, "s3")
	s.LogFile = filepath.Join(s.Dir, "versitygw.log")
	for _, d := range []string{"data", "sidecar"} {
		if err := os.Mkdir(filepath.Join(s.Dir, d), 0o755); err != nil {
			t.Fatalf("pgtest: %v", err)
		}
	}
	t.Cleanup(func() {
		if s.proc != nil {
			s.proc.halt(syscall.SIGTERM, 5*time.Second)
		}
		if t.Failed() {
			t.Logf("versitygw log (tail):\n%s", tail(s.LogFile, 20))
		}
	})
	var err error
	for range 5 {
		s.Port = freePort(t)
		if err = s.launch(); err != errAddrInUse {
			break
		}
	}
	if err != nil {
		t.Fatalf("pgtest: starting versitygw: %v\n%s", err, tail(s.LogFile, 20))
	}
	return s
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *S3) launch() error {
	addr := net.JoinHostPort(s.Host, strconv.Itoa(s.Port))
	cmd := exec.Command(s.bin, "--port", addr, "--quiet", "posix", filepath.Join(s.Dir, "data"))
	cmd.Env = append(os.Environ(), "ROOT_ACCESS_KEY="+s.AccessKey, "ROOT_SECRET_KEY="+s.SecretKey)
	d, offset, err := startDaemon(cmd, s.LogFile)
	if err != nil {
		return err
	}
	waitFor(20*time.Second, func() bool { return d.exited() || dialable(addr) })
	if d.exited() {
		if bytes.Contains(logSince(s.LogFile, offset), []byte("address already in use")) {
			return errAddrInUse
		}
		return fmt.Errorf("versitygw exited: %v", cmd.ProcessState)
	}
	s.proc = d
	return nil
}

// Endpoint is the URL to give --endpoint-url.
func (s *S3) Endpoint() string { return fmt.Sprintf("http://%s:%d", s.Host, s.Port) }

// Env is the environment that gives a client the server's credentials.
func (s *S3) Env() []string {
	return []string{"AWS_ACCESS_KEY_ID=" + s.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s.SecretKey,
		"AWS_DEFAULT_REGION=us-east-1", "AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true"}
}

// MakeBucket creates a bucket.
func (s *S3) MakeBucket(t testing.TB, bucket string) {
	t.Helper()
	c, err := minio.New(net.JoinHostPort(s.Host, strconv.Itoa(s.Port)), &minio.Options{
		Creds: credentials.NewStaticV4(s.AccessKey, s.SecretKey, ""), Region: "us-east-1"})
	if err == nil {
		err = c.MakeBucket(context.Background(), bucket, minio.MakeBucketOptions{Region: "us-east-1"})
	}
	if err != nil {
		t.Fatalf("pgtest: creating bucket %s: %v", bucket, err)
	}
}

// BucketDir is the directory where the server keeps bucket's objects
// (the posix backend: one file per object, named by its key).
func (s *S3) BucketDir(bucket string) string { return filepath.Join(s.Dir, "data", bucket) }

// Stop kills the server (SIGKILL); Start starts it again on the same port.
func (s *S3) Stop(t testing.TB) {
	t.Helper()
	if s.proc != nil {
		s.proc.halt(syscall.SIGKILL, time.Second)
		s.proc = nil
	}
}

// Start starts a stopped server again on its port.
func (s *S3) Start(t testing.TB) {
	t.Helper()
	if s.proc != nil {
		return
	}
	var err error
	for range 50 {
		if err = s.launch(); err != errAddrInUse {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("pgtest: restarting versitygw: %v\n%s", err, tail(s.LogFile, 20))
	}
}
