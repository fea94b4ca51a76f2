package postgres_test

import (
	"testing"

	"github.com/driftrec/driftrec"
	"github.com/driftrec/driftrec/storetest"
)

func openBench(b *testing.B) driftrec.Store {
	s, _ := openSchema(b)
	return s
}

// BenchmarkIngest measures ingestion into the test server (fsync and
// synchronous_commit on, PostgreSQL's defaults) over loopback:
//
//	go test ./postgres -run '^$' -bench 'FsyncReference|Ingest' -benchtime 2s -count 3
func BenchmarkIngest(b *testing.B) {
	storetest.RunIngestBenchmarks(b, openBench)
}

// BenchmarkFsyncReference is the disk's fsync rate, the bound of durable
// commits, measured in the same run as the store for ratios.
func BenchmarkFsyncReference(b *testing.B) { storetest.FsyncReference(b) }

// BenchmarkProfile measures reading one profile.
func BenchmarkProfile(b *testing.B) {
	storetest.RunProfileBenchmarks(b, openBench)
}
