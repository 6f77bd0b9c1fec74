package cloud

import (
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"strings"

	"github.com/alecthomas/kong"

	engine "github.com/gobarman/barman/pkg/cloud"
	"github.com/gobarman/barman/pkg/compress"
	"github.com/gobarman/barman/pkg/walname"
)

// walArchive is barman-cloud-wal-archive: archive_command (or a Barman
// archive hook script) shipping one WAL file to the cloud.
type walArchive struct {
	Common
	URL     string `arg:"" name:"destination_url" help:"URL of the cloud destination, such as a bucket in AWS S3. For example: s3://bucket/path/to/folder."`
	Server  string `arg:"" name:"server_name" help:"The name of the server as configured in Barman."`
	WALPath string `arg:"" optional:"" name:"wal_path" help:"The value of the '%p' keyword (according to 'archive_command')."`

	Gzip   bool `short:"z" xor:"compression" help:"gzip-compress the WAL while uploading to the cloud."`
	Bzip2  bool `short:"j" xor:"compression" help:"bzip2-compress the WAL while uploading to the cloud."`
	Snappy bool `xor:"compression" help:"snappy-compress the WAL while uploading to the cloud."`
	Zstd   bool `xor:"compression" help:"zstd-compress the WAL while uploading to the cloud (suffix .zst: Barman 3.4 cannot read it)."`
	LZ4    bool `name:"lz4" xor:"compression" help:"lz4-compress the WAL while uploading to the cloud (suffix .lz4: Barman 3.4 cannot read it)."`

	Tags        tagList `placeholder:"KEY,VALUE ..." help:"Tags to be added to archived WAL files in cloud storage."`
	HistoryTags tagList `name:"history-tags" placeholder:"KEY,VALUE ..." help:"Tags to be added to archived history files in cloud storage."`
	Encryption  string  `short:"e" enum:",AES256,aws:kms" default:"" placeholder:"ENCRYPTION" help:"The encryption algorithm used when storing the uploaded data in S3: AES256 or aws:kms."`
	SSEKMSKeyID string  `name:"sse-kms-key-id" placeholder:"KEY" help:"The AWS KMS key to encrypt with (with --encryption aws:kms)."`

	// Azure Blob Storage options, accepted as Barman does (Azure is not
	// supported yet: --cloud-provider refuses it).
	EncryptionScope  string `hidden:""`
	MaxBlockSize     string `hidden:""`
	MaxConcurrency   int    `hidden:""`
	MaxSinglePutSize string `hidden:""`
}

func (c *walArchive) compression() string {
	switch {
	case c.Gzip:
		return compress.Gzip
	case c.Bzip2:
		return compress.Bzip2
	case c.Snappy:
		return compress.Snappy
	case c.Zstd:
		return compress.Zstd
	case c.LZ4:
		return compress.LZ4
	}
	return compress.None
}

func (c *walArchive) run(ctx context.Context, env *Env) error {
	walPath, err := c.walPath(env)
	if err != nil {
		return err
	}
	if walname.Classify(baseName(walPath)) == walname.Unknown {
		return cliError(fmt.Errorf("%s is an invalid name for a WAL file", walPath))
	}
	if err := engine.CheckServerName(c.Server); err != nil {
		return cliError(err)
	}
	conn := c.conn(c.URL)
	conn.Encryption, conn.KMSKeyID = c.Encryption, c.SSEKMSKeyID
	conn.Tags = c.Tags.Map()
	if walname.Classify(baseName(walPath)) == walname.History && c.HistoryTags != nil {
		conn.Tags = c.HistoryTags.Map()
	}
	st, exists, err := open(ctx, env, &c.Common, conn)
	if err != nil {
		return err
	}
	if !exists {
		env.Log.Infof("Bucket '%s' does not exist, creating it", st.Config().Bucket)
		if err := st.CreateBucket(ctx); err != nil {
			return err
		}
	}
	_, err = engine.ArchiveWAL(ctx, st, walPath, engine.ArchiveOptions{
		Server: c.Server, Compression: c.compression(), Log: env.Log.Infof,
	})
	if errors.Is(err, engine.ErrRefused) {
		return operationError(err)
	}
	return err
}

// walPath is WAL_PATH, or in a Barman hook script (pre archive_script or
// archive_retry_script) BARMAN_FILE.
func (c *walArchive) walPath(env *Env) (string, error) {
	hook, phase := env.Getenv("BARMAN_HOOK"), env.Getenv("BARMAN_PHASE")
	if hook == "" || phase == "" {
		if c.WALPath == "" {
			return "", operationError(errors.New("the following arguments are required: wal_path"))
		}
		return c.WALPath, nil
	}
	if (hook != "archive_script" && hook != "archive_retry_script") || phase != "pre" {
		return "", operationError(fmt.Errorf("barman-cloud-wal-archive called as unsupported hook script: %s_%s", phase, hook))
	}
	file := env.Getenv("BARMAN_FILE")
	if file == "" {
		return "", operationError(errors.New("expected environment variable BARMAN_FILE not set"))
	}
	return file, nil
}

func baseName(p string) string { return p[strings.LastIndexByte(p, '/')+1:] }

// tagList is Barman's --tags KEY,VALUE [KEY,VALUE ...] (argparse's
// nargs="*"): the flag takes the arguments that follow it while they are
// KEY,VALUE pairs (CSV, so "a,\"b,c\"" is the key a and the value b,c);
// the last occurrence wins.
type tagList [][2]string

func (t *tagList) Decode(ctx *kong.DecodeContext) error {
	*t = tagList{}
	for first := true; ; first = false {
		tok := ctx.Scan.Peek()
		if !tok.IsValue() {
			return nil
		}
		text := fmt.Sprint(tok.Value)
		kv, err := parseTag(text)
		if err != nil {
			if first || tok.Type == kong.FlagValueToken {
				return err
			}
			return nil
		}
		ctx.Scan.Pop()
		*t = append(*t, kv)
	}
}

func parseTag(text string) ([2]string, error) {
	rows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		return [2]string{}, fmt.Errorf("error parsing tag %s: %v", text, err)
	}
	if len(rows) != 1 || len(rows[0]) != 2 {
		return [2]string{}, fmt.Errorf("invalid tag format: %s (want KEY,VALUE)", text)
	}
	return [2]string{rows[0][0], rows[0][1]}, nil
}

// Map is the tags as the store takes them (nil for none).
func (t tagList) Map() map[string]string {
	if len(t) == 0 {
		return nil
	}
	m := map[string]string{}
	for _, kv := range t {
		m[kv[0]] = kv[1]
	}
	return m
}
