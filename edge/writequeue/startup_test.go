package writequeue_test

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/hookfront/hookfront/edge/writequeue"
	"github.com/hookfront/hookfront/edge/writequeue/queuetest"
	bolt "go.etcd.io/bbolt"
)

func openQueue(dir string) (*writequeue.Manager, error) {
	return writequeue.Open(context.Background(), []writequeue.Config{{Group: "api", Store: "disk", Dir: dir, MaxBytes: 1 << 20}}, writequeue.Options{})
}

func TestADamagedQueueFileStopsStartUpAndSaysHowToMoveItAside(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "api.db")
	if err := os.WriteFile(path, []byte(strings.Repeat("not a bbolt file ", 1000)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := openQueue(dir)
	if err == nil || !strings.Contains(err.Error(), "the queue file "+path+" is damaged") || !strings.Contains(err.Error(), "mv "+path+" "+path+".damaged") {
		t.Fatalf("%v", err)
	}
	if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), "not a bbolt file") {
		t.Fatal("the damaged file was changed")
	}

	// A file bbolt reads, with a record that does not decode, is refused the same way.
	dir = t.TempDir()
	path = filepath.Join(dir, "api.db")
	db, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = db.Update(func(tx *bolt.Tx) error {
		b, _ := tx.CreateBucketIfNotExists([]byte("writes"))
		return b.Put([]byte{0, 0, 0, 0, 0, 0, 0, 1}, []byte("{truncated"))
	})
	db.Close()
	if _, err := openQueue(dir); err == nil || !strings.Contains(err.Error(), "is damaged (record 0000000000000001 does not decode") {
		t.Fatalf("%v", err)
	}
}

func TestAQueueFolderThatCannotBeWrittenStopsStartUp(t *testing.T) {
	// A file where the folder should be: not writable for anyone, root included.
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := openQueue(filepath.Join(file, "queue"))
	if err == nil || !strings.Contains(err.Error(), `write queue of origin group "api": creating the queue folder `+file+"/queue") {
		t.Fatalf("%v", err)
	}
	if os.Geteuid() != 0 { // root writes anywhere: this part needs an ordinary user
		ro := t.TempDir()
		if err := os.Chmod(ro, 0o500); err != nil {
			t.Fatal(err)
		}
		if _, err := openQueue(ro); err == nil || !strings.Contains(err.Error(), "is not writable") {
			t.Fatalf("%v", err)
		}
	}
}

func TestASecondProcessOnTheSameQueueFileIsRefused(t *testing.T) {
	dir := t.TempDir()
	m, err := openQueue(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if _, err := openQueue(dir); err == nil || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("%v", err)
	}
}

func TestAnUnreachableRedisStopsStartUp(t *testing.T) {
	down := queuetest.NewRefusing(t)
	_, err := writequeue.Open(context.Background(), []writequeue.Config{{Group: "api", Store: "redis://:secret@" + down.Addr + "/0", MaxBytes: 1 << 20}}, writequeue.Options{})
	if err == nil || !strings.Contains(err.Error(), `write queue of origin group "api": connecting to redis://:xxxxx@`+down.Addr+"/0") || strings.Contains(err.Error(), "secret") {
		t.Fatalf("%v", err)
	}
}
