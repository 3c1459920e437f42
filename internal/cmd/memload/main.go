// Command memload measures the resident memory of a real 'bulwark serve'
// under batch screening: it starts the given binary on a fresh data
// directory on 127.0.0.1, sends batches of unique unlisted addresses from
// several clients, then leaves the server idle, sampling its VmRSS (from
// /proc, Linux only) all along, and prints one markdown table row per
// phase. The figures in docs/benchmarks.md ("Memory under batch load")
// come from it:
//
//	go build -o /tmp/bulwark ./cmd/bulwark
//	go run ./internal/cmd/memload -bin /tmp/bulwark -batches 24 -clients 4 -size 10000 -idle 10s
//
// Arguments after -- are passed to serve (e.g. -- --decisions async).
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var (
	listeningRE = regexp.MustCompile(`msg="API listening" addr=(\S+)`)
	tokenRE     = regexp.MustCompile(`(?m)^\s+(bwk_[0-9a-f]{16}_[0-9a-f]{64})\s*$`)
)

func main() {
	bin := flag.String("bin", "", "the bulwark binary to serve")
	batches := flag.Int("batches", 24, "batch requests to send in all")
	clients := flag.Int("clients", 4, "concurrent clients")
	size := flag.Int("size", 10000, "addresses per batch")
	idle := flag.Duration("idle", 10*time.Second, "how long to sample the idle server after the load")
	dataFlag := flag.String("data-flag", "--data-dir", "serve's data directory flag (older builds: --data)")
	flag.Parse()
	if *bin == "" {
		fmt.Fprintln(os.Stderr, "memload: -bin is required")
		os.Exit(2)
	}
	if err := run(*bin, *dataFlag, *batches, *clients, *size, *idle, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "memload:", err)
		os.Exit(1)
	}
}

// rssMB returns the resident set size of pid in MB.
func rssMB(pid int) (float64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, err := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024, err
		}
	}
	return 0, errors.New("no VmRSS")
}

func run(bin, dataFlag string, batches, clients, size int, idle time.Duration, extra []string) error {
	dir, err := os.MkdirTemp("", "memload-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	data := filepath.Join(dir, "data")
	args := append([]string{"serve", dataFlag, data, "--addr", "127.0.0.1:0", "--rate-limit", "-1"}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = append(os.Environ(), "BULWARK_CONFIG=")
	pipe, err := cmd.StderrPipe()
	if err != nil {
		return err
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
	}()
	var logMu sync.Mutex
	var log bytes.Buffer
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(pipe)
		for sc.Scan() {
			logMu.Lock()
			log.WriteString(sc.Text() + "\n")
			logMu.Unlock()
			if m := listeningRE.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
	}()
	var addr string
	select {
	case addr = <-found:
	case <-time.After(60 * time.Second):
		return errors.New("serve did not start listening")
	}
	logMu.Lock()
	m := tokenRE.FindStringSubmatch(log.String())
	logMu.Unlock()
	var token string
	if m != nil {
		token = m[1]
	} else if b, err := os.ReadFile(filepath.Join(data, "first-admin-token")); err == nil {
		token = strings.TrimSpace(string(b))
	} else {
		return errors.New("serve printed no admin token and wrote no first-admin-token file")
	}
	url := "http://" + addr + "/api/v1/screen/address"
	pid := cmd.Process.Pid

	// Sample RSS every 50 ms; phase marks which part of the run a sample
	// belongs to.
	type sample struct {
		at    time.Duration
		rss   float64
		phase string
	}
	var (
		smu     sync.Mutex
		samples []sample
		phase   atomic.Value
	)
	phase.Store("start")
	start := time.Now()
	stop := make(chan struct{})
	sampled := make(chan struct{})
	go func() {
		defer close(sampled)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			if r, err := rssMB(pid); err == nil {
				smu.Lock()
				samples = append(samples, sample{time.Since(start), r, phase.Load().(string)})
				smu.Unlock()
			}
			select {
			case <-stop:
				return
			case <-t.C:
			}
		}
	}()
	base, _ := rssMB(pid)

	phase.Store("load")
	loadStart := time.Now()
	var next atomic.Int64
	var failed atomic.Int64
	var stored, bodyBytes atomic.Int64
	var wg sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Minute}
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				n := next.Add(1)
				if n > int64(batches) {
					return
				}
				var body bytes.Buffer
				body.WriteString(`{"addresses":[`)
				for i := range size {
					if i > 0 {
						body.WriteByte(',')
					}
					fmt.Fprintf(&body, `"0x%08x%032x"`, n, i)
				}
				body.WriteString(`]}`)
				req, _ := http.NewRequest("POST", url, &body)
				req.Header.Set("Authorization", "Bearer "+token)
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				var d struct {
					Stored *bool `json:"stored"`
				}
				if resp.StatusCode != 200 || json.Unmarshal(b, &d) != nil {
					failed.Add(1)
					fmt.Fprintf(os.Stderr, "status %d: %.200s\n", resp.StatusCode, b)
					continue
				}
				bodyBytes.Add(int64(len(b)))
				if d.Stored != nil && *d.Stored {
					stored.Add(1)
				}
			}
		}()
	}
	wg.Wait()
	loadTime := time.Since(loadStart)
	phase.Store("idle")
	idleStart := time.Since(start)
	time.Sleep(idle)
	close(stop)
	<-sampled

	var peak float64
	at := map[time.Duration]float64{}
	marks := []time.Duration{time.Second, 2 * time.Second, 5 * time.Second, 10 * time.Second, 30 * time.Second}
	smu.Lock()
	for _, s := range samples {
		if s.phase == "load" && s.rss > peak {
			peak = s.rss
		}
		if s.phase == "idle" {
			for _, mk := range marks {
				if s.at-idleStart <= mk {
					at[mk] = s.rss
				}
			}
		}
	}
	smu.Unlock()
	var decisionBytes int64
	if db, err := dbSize(data); err == nil {
		decisionBytes = db
	}
	fmt.Printf("serve args: %s\n", strings.Join(extra, " "))
	fmt.Printf("%d batches of %d addresses from %d clients in %.1f s (%d failed, %d answered \"stored\": true, %.1f MB of answers); store files %.1f MB\n",
		batches, size, clients, loadTime.Seconds(), failed.Load(), stored.Load(), float64(bodyBytes.Load())/1e6, float64(decisionBytes)/1e6)
	fmt.Printf("| RSS before | peak under load | idle +1 s | +2 s | +5 s | +10 s | +30 s |\n| ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	fmt.Printf("| %.0f MB | %.0f MB |", base, peak)
	for _, mk := range marks {
		if v, ok := at[mk]; ok && mk <= idle+time.Second {
			fmt.Printf(" %.0f MB |", v)
		} else {
			fmt.Printf(" – |")
		}
	}
	fmt.Println()
	if failed.Load() > 0 {
		return fmt.Errorf("%d requests failed", failed.Load())
	}
	return nil
}

// dbSize is the size of the store's files.
func dbSize(data string) (int64, error) {
	var n int64
	ents, err := os.ReadDir(data)
	if err != nil {
		return 0, err
	}
	for _, e := range ents {
		if fi, err := e.Info(); err == nil && strings.HasPrefix(e.Name(), "bulwark.db") {
			n += fi.Size()
		}
	}
	return n, nil
}
