// Mode "smux": smux v2 straight over TCP, with transfers far larger than
// the 256 KiB initial window so that they only complete if UPD frames work
// in both directions.
//
//	go-peer smux server
//	    Runs an smux v2 server session on every TCP connection, echoing
//	    every stream.
//	go-peer smux client <addr> <bytes> <streams>
//	    Opens <streams> streams on one smux v2 client session to <addr>;
//	    on each sends <bytes> pseudo-random bytes while reading the echo,
//	    compares SHA-256 and prints "OK <stream id> <hex digest>".

package main

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net"
	"os"
	"sync"
	"time"

	"github.com/xtaci/smux"
)

func runSmuxServer() {
	listener := listen()
	for {
		conn, err := listener.Accept()
		if err != nil {
			fail("accept: %v", err)
		}
		go serveEcho(conn)
	}
}

// smuxPattern is a deterministic pseudo-random byte stream (xorshift64).
func smuxPattern(length int, seed uint64) []byte {
	state := seed*0x9e3779b97f4a7c15 | 1
	data := make([]byte, length)
	for i := range data {
		state ^= state << 13
		state ^= state >> 7
		state ^= state << 17
		data[i] = byte(state)
	}
	return data
}

func runSmuxClient(addr string, length int, streams int) {
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		fail("dial: %v", err)
	}
	session, err := smux.Client(conn, smuxConfig(10*time.Minute))
	if err != nil {
		fail("smux client: %v", err)
	}
	var wg sync.WaitGroup
	results := make(chan string, streams)
	for i := 0; i < streams; i++ {
		wg.Add(1)
		go func(seed uint64) {
			defer wg.Done()
			results <- exchange(session, smuxPattern(length, seed))
		}(uint64(i + 1))
	}
	wg.Wait()
	close(results)
	ok := true
	for line := range results {
		fmt.Println(line)
		if len(line) < 2 || line[:2] != "OK" {
			ok = false
		}
	}
	session.Close()
	if !ok {
		os.Exit(1)
	}
}

// exchange sends data on a new stream while reading the echo, then checks it.
func exchange(session *smux.Session, data []byte) string {
	stream, err := session.OpenStream()
	if err != nil {
		return fmt.Sprintf("FAIL open: %v", err)
	}
	defer stream.Close()
	writeErr := make(chan error, 1)
	go func() {
		_, err := stream.Write(data)
		writeErr <- err
	}()
	echo := make([]byte, len(data))
	if _, err := io.ReadFull(bufio.NewReader(stream), echo); err != nil {
		return fmt.Sprintf("FAIL stream %d read: %v", stream.ID(), err)
	}
	if err := <-writeErr; err != nil {
		return fmt.Sprintf("FAIL stream %d write: %v", stream.ID(), err)
	}
	sent := sha256.Sum256(data)
	got := sha256.Sum256(echo)
	if !bytes.Equal(sent[:], got[:]) {
		return fmt.Sprintf("FAIL stream %d digest mismatch", stream.ID())
	}
	return fmt.Sprintf("OK %d %s", stream.ID(), hex.EncodeToString(got[:]))
}
