package s3store

import (
	"context"
	"time"

	"github.com/minio/minio-go/v7"
)

// Upload is a multipart upload that was started and neither completed
// nor aborted: a writer still at work, or one a killed process left.
type Upload struct {
	Name      string // the blob's name, relative to the store's prefix
	UploadID  string
	Initiated time.Time
}

// IncompleteUploads lists the multipart uploads under prefix.
func (s *Store) IncompleteUploads(ctx context.Context, prefix string) ([]Upload, error) {
	var out []Upload
	for u := range s.client.ListIncompleteUploads(ctx, s.cfg.Bucket, s.key(prefix), true) {
		if u.Err != nil {
			return nil, s.wrap("list incomplete uploads", prefix, u.Err)
		}
		out = append(out, Upload{Name: s.name(u.Key), UploadID: u.UploadID, Initiated: u.Initiated})
	}
	return out, nil
}

// AbortUpload aborts one multipart upload (the others of the same name
// are left alone).
func (s *Store) AbortUpload(ctx context.Context, u Upload) error {
	if err := (minio.Core{Client: s.client}).AbortMultipartUpload(ctx, s.cfg.Bucket, s.key(u.Name), u.UploadID); err != nil {
		return s.wrap("abort incomplete upload", u.Name, err)
	}
	return nil
}
