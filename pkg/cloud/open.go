package cloud

import (
	"time"

	"github.com/gobarman/barman/pkg/storage/s3store"
)

// Conn are the options every tool takes to reach its store.
type Conn struct {
	URL         string
	Provider    string        // --cloud-provider
	EndpointURL string        // --endpoint-url
	Profile     string        // --profile / --aws-profile
	ReadTimeout time.Duration // --read-timeout
	Encryption  string        // -e/--encryption: AES256 or aws:kms
	KMSKeyID    string        // --sse-kms-key-id
	Jobs        int           // parts uploaded at once per object
	PartSize    int64         // 0: s3store.DefaultPartSize
	Tags        map[string]string
}

// Open makes the store of c. It does not contact the server.
func Open(c Conn) (*s3store.Store, error) {
	loc, err := ParseURL(c.URL, c.Provider)
	if err != nil {
		return nil, err
	}
	return s3store.New(s3store.Config{
		Bucket: loc.Bucket, Prefix: loc.Prefix, Endpoint: c.EndpointURL, Profile: c.Profile,
		ReadTimeout: c.ReadTimeout, Encryption: c.Encryption, KMSKeyID: c.KMSKeyID,
		Jobs: c.Jobs, PartSize: c.PartSize, Tags: c.Tags,
	})
}
