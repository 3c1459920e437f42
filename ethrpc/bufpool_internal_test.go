package ethrpc

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

// poolBlock returns the node's answers for block n (n below 16) of a
// made-up chain: the block, its two receipts (an ERC-20 Transfer event
// in the first) and its trace_block frames (a payment, then a call that
// failed with an error naming the block, and its subcall). Every value
// differs from one block to the next.
func poolBlock(n uint64, method string) json.RawMessage {
	h := func(k int) string { return "0x" + strings.Repeat(fmt.Sprintf("%x%x", n, k), 32) }
	a := func(k int) string { return "0x" + strings.Repeat(fmt.Sprintf("%x%x", n, k), 20) }
	var s string
	switch method {
	case "eth_getBlockByNumber":
		s = fmt.Sprintf(`{"number":"0x%x","hash":%q,"parentHash":%q,"timestamp":"0x%x","miner":%q,"baseFeePerGas":"0x%x","transactions":[%q,%q]}`,
			n, h(0), h(9), 1000+n, a(9), 7+n, h(1), h(2))
	case "eth_getBlockReceipts":
		r := func(k int, logs string) string {
			return fmt.Sprintf(`{"transactionHash":%q,"transactionIndex":"0x%x","blockHash":%q,"blockNumber":"0x%x","from":%q,"to":%q,"contractAddress":null,"status":"0x1","gasUsed":"0x%x","effectiveGasPrice":"0x%x","logs":[%s]}`,
				h(k), k-1, h(0), n, a(k), a(k+4), 21000+n, 20+n, logs)
		}
		logs := fmt.Sprintf(`{"address":%q,"topics":["0xddf252ad1be2c89b69c2b068fc378daa952ba7f163c4a11628f55a4df523b3ef",%q,%q],"data":%q,"logIndex":"0x0","removed":false}`,
			a(7), "0x"+strings.Repeat("0", 24)+a(1)[2:], "0x"+strings.Repeat("0", 24)+a(2)[2:], h(8))
		s = "[" + r(1, logs) + "," + r(2, "") + "]"
	case "trace_block":
		f := func(k int, trace, errs string, from, to string, value uint64) string {
			return fmt.Sprintf(`{"action":{"callType":"call","from":%q,"to":%q,"value":"0x%x"},"blockNumber":%d,"result":{"gasUsed":"0x0"},%s"traceAddress":%s,"transactionHash":%q,"transactionPosition":%d,"type":"call"}`,
				from, to, value, n, errs, trace, h(k), k-1)
		}
		s = "[" + f(1, "[]", "", a(1), a(5), 100+n) + "," +
			f(2, "[]", `"error":"failed in block `+strconv.FormatUint(n, 10)+`",`, a(2), a(6), 200+n) + "," +
			f(2, "[0]", "", a(6), a(3), 300+n) + "]"
	default:
		return json.RawMessage("null")
	}
	return json.RawMessage(s)
}

// poolNode answers batches of the calls TraceSource makes with poolBlock.
func poolNode(t *testing.T) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var reqs []struct {
			ID     json.RawMessage
			Method string
			Params []json.RawMessage
		}
		if err := json.NewDecoder(r.Body).Decode(&reqs); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		out := make([]map[string]any, len(reqs))
		for i, q := range reqs {
			var res any
			var arg string
			if len(q.Params) > 0 && json.Unmarshal(q.Params[0], &arg) == nil {
				if n, err := strconv.ParseUint(strings.TrimPrefix(arg, "0x"), 16, 64); err == nil {
					res = poolBlock(n, q.Method)
				}
			}
			out[i] = map[string]any{"jsonrpc": "2.0", "id": q.ID, "result": res}
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(out)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// TestTraceSourceReusesBuffers: what TraceSource decodes from an answer
// read into a pooled buffer (the block, its receipts and their logs, the
// frames and their errors) points nowhere into that buffer: block 1,
// decoded with a buffer that is then scribbled over and read block 2
// into, is unchanged and equal to block 1 decoded by a client of its
// own, and so is block 2; and so are the transfers made of them.
func TestTraceSourceReusesBuffers(t *testing.T) {
	t.Parallel()
	node := poolNode(t)
	ctx := context.Background()
	src := func() *TraceSource {
		c, err := Dial(node.URL, Options{})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(c.Close)
		return &TraceSource{Client: c, Chain: 1}
	}
	// decode returns what fetch and Block make of block n, as JSON.
	decode := func(s *TraceSource, n uint64) string {
		b, rs, frames, err := s.fetch(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		if len(rs) != 2 || len(rs[0].Logs) != 1 || len(frames) != 3 || frames[1].Error == "" {
			t.Fatalf("block %d: %d receipts, %d frames: %+v", n, len(rs), len(frames), frames)
		}
		nb, err := s.Block(ctx, n)
		if err != nil {
			t.Fatal(err)
		}
		out, err := json.Marshal([]any{b, rs, frames, nb})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	shared := src()
	b, rs, frames, err := shared.fetch(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	got1 := func() string {
		out, err := json.Marshal([]any{b, rs, frames})
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	snap1 := got1()
	// Scribble over the buffers the pool holds, then read block 2 into
	// one of them.
	var held []*[]byte
	for {
		p, ok := shared.Client.bodies.Get().(*[]byte)
		if !ok {
			break
		}
		b := (*p)[:cap(*p)]
		for i := range b {
			b[i] = 'x'
		}
		held = append(held, p)
	}
	for _, p := range held {
		shared.Client.bodies.Put(p)
	}
	got2 := decode(shared, 2)
	if s := got1(); s != snap1 {
		t.Fatalf("block 1 changed when its buffer was reused:\n%s\nwas\n%s", s, snap1)
	}
	fresh := src()
	if want := decode(fresh, 2); got2 != want {
		t.Fatalf("block 2 decoded with a reused buffer:\n%s\nwith a fresh one:\n%s", got2, want)
	}
	if want := decode(fresh, 1); !strings.HasPrefix(want, snap1[:len(snap1)-1]) {
		t.Fatalf("block 1 decoded with a pooled buffer:\n%s\nwith a fresh one:\n%s", snap1, want)
	}
}
