package compress
import ("bytes";"io";"os";"runtime";"testing";"time";"github.com/ulikunitz/xz";"github.com/ulikunitz/xz/lzma")
func TestZZXZ(t *testing.T){
	data, _ := os.ReadFile("/tmp/bench-compress.K5u5Ty/archive/000000010000000000000008")
	for _, d := range []int{1,2,4,8} {
		for _, m := range []lzma.MatchAlgorithm{lzma.HashTable4, lzma.BinaryTree} {
		var ms1, ms2 runtime.MemStats
		runtime.GC(); runtime.ReadMemStats(&ms1)
		var out bytes.Buffer
		t0 := time.Now()
		w, err := xz.WriterConfig{DictCap: d<<20, Matcher: m}.NewWriter(&out)
		if err != nil { t.Fatal(err) }
		io.Copy(w, bytes.NewReader(data)); w.Close()
		runtime.ReadMemStats(&ms2)
		t.Logf("dict %dM %v: %v alloc %d MB size %d", d, m, time.Since(t0), (ms2.TotalAlloc-ms1.TotalAlloc)>>20, out.Len())
		}
	}
}
