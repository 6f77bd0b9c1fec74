package cloud

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
)

// Providers are the --cloud-provider values Barman accepts.
const (
	AWSS3              = "aws-s3"
	AzureBlobStorage   = "azure-blob-storage"
	GoogleCloudStorage = "google-cloud-storage"
)

// ErrUnsupportedProvider is returned for Azure and Google Cloud Storage:
// never a silent fallback to S3.
var ErrUnsupportedProvider = errors.New("cloud provider not supported yet")

// Location is where a tool's objects are: a bucket and a key prefix.
type Location struct {
	Bucket string
	Prefix string // without leading or trailing "/"
}

// ParseURL parses a source or destination URL for provider: s3://BUCKET[/PREFIX]
// for aws-s3. Azure and Google URLs get ErrUnsupportedProvider.
func ParseURL(raw, provider string) (Location, error) {
	switch provider {
	case "", AWSS3:
	case AzureBlobStorage, GoogleCloudStorage:
		return Location{}, fmt.Errorf("--cloud-provider %s: %w (supported: aws-s3, and any S3-compatible store through --endpoint-url)", provider, ErrUnsupportedProvider)
	default:
		return Location{}, fmt.Errorf("--cloud-provider %q: want aws-s3, azure-blob-storage or google-cloud-storage", provider)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return Location{}, fmt.Errorf("URL %q: %w", raw, err)
	}
	switch u.Scheme {
	case "s3":
	case "gs":
		return Location{}, fmt.Errorf("URL %q is a Google Cloud Storage URL: %w", raw, ErrUnsupportedProvider)
	case "http", "https":
		if strings.Contains(u.Host, ".blob.core.windows.net") {
			return Location{}, fmt.Errorf("URL %q is an Azure Blob Storage URL: %w", raw, ErrUnsupportedProvider)
		}
		fallthrough
	default:
		return Location{}, fmt.Errorf("URL %q: want s3://BUCKET[/PATH] (an S3-compatible endpoint goes in --endpoint-url)", raw)
	}
	if u.Host == "" {
		return Location{}, fmt.Errorf("URL %q: no bucket: want s3://BUCKET[/PATH]", raw)
	}
	prefix := strings.Trim(u.Path, "/")
	for el := range strings.SplitSeq(prefix, "/") {
		if prefix != "" && (el == "" || el == "." || el == "..") {
			return Location{}, fmt.Errorf("URL %q: the path has an empty, \".\" or \"..\" element", raw)
		}
	}
	return Location{Bucket: u.Host, Prefix: prefix}, nil
}
