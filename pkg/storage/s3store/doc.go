// Package s3store keeps blobs in an S3-compatible object store (AWS S3,
// MinIO, Versity S3 Gateway, Ceph RGW, ...) behind the storage.Storage
// interface, so that the code that archives WAL files and writes backups
// runs unchanged on local disk and in a bucket.
//
// The client is minio-go v7: one module with no transitive AWS SDK,
// streaming multipart uploads of unknown size with parallel parts
// (ConcurrentStreamParts), conditional writes (If-None-Match), additional
// checksums (CRC32C, full-object), server-side encryption (SSE-S3 and
// SSE-KMS), retries with backoff on 5xx, throttling and connection resets,
// and the AWS credential chain (environment, shared credentials file and
// profile, instance metadata).
//
// Semantics, as storage.Storage asks:
//
//   - Create buffers up to one part in memory. A blob that fits is sent as
//     a single PUT with its length known; a larger one becomes a multipart
//     upload with Jobs parts in flight, so memory stays at about
//     (Jobs+1)×PartSize whatever the blob's size. Nothing is visible before
//     Commit: S3 shows an object only once its PUT or
//     CompleteMultipartUpload succeeded. Abort (or a failed write) aborts
//     the multipart upload; a killed process leaves an incomplete multipart
//     upload that no listing shows and that AbortIncomplete removes.
//   - Every object written carries a CRC32C checksum of its whole content
//     (x-amz-checksum-crc32c, full-object type), checked by the server on
//     upload. Open verifies it (or, on an object stored without one by
//     another tool, the MD5 ETag of a single-part upload) when the reader
//     reaches the end, and fails with ErrCorrupt on a mismatch.
//   - IfNotExists sends If-None-Match: *; Commit maps the server's 412 to
//     storage.ErrExist.
//   - List walks the keys in byte order (S3 lists in UTF-8 binary order),
//     with "/" as the optional delimiter.
//
// Names are relative to Config.Prefix inside Config.Bucket.
package s3store
