using System.Buffers;
using System.Text;
using BenchmarkDotNet.Attributes;
using OrgDispatch.Framing;

namespace OrgDispatch.Benchmarks;

/// <summary>
/// Harness frame encode (UTF-16 message → header + UTF-8) and decode (find the end by counting
/// code points, validate UTF-8) on a 1 MiB message, ASCII and mixed (accented, arrows, emoji),
/// and on a typical small event. Throughput is <see cref="MessageBytes"/> over the time per frame.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class FramerBenchmarks
{
    private static readonly HarnessFramingOptions Large = new() { MaxMessageLength = HarnessFrame.ProtocolMaxLength };

    private string _message = "";
    private byte[] _frame = [];
    private ReadOnlySequence<byte> _segmented;
    private readonly ArrayBufferWriter<byte> _output = new(4 << 20);
    private readonly HarnessFrameReader _reader = new(Large);

    /// <summary><c>ascii-1MiB</c>, <c>mixed-1MiB</c> (about one non-ASCII character in six), or <c>event</c> (a 400-byte event).</summary>
    [Params("ascii-1MiB", "mixed-1MiB", "event")]
    public string Message { get; set; } = "";

    /// <summary>The message's UTF-8 size, for turning time into bytes per second.</summary>
    public int MessageBytes => Encoding.UTF8.GetByteCount(_message);

    [GlobalSetup]
    public void Setup()
    {
        _message = Message switch
        {
            "ascii-1MiB" => Repeat("(:type :event :id 12 :payload (:event \"claimed\" :task-id \"TASK-00042\" :agent \"ann\")) ", 1 << 20),
            "mixed-1MiB" => Repeat("(:title \"Café → déploiement 😀 naïve\" :agent \"émile\") ", 1 << 20),
            _ => "(:type :event :id 12 :payload (:event \"claimed\" :task-id \"TASK-00042\" :agent \"ann\" :task (:id \"TASK-00042\" :title \"Déployer → prod 😀\" :state \"in_progress\" :priority \"A\" :agents (\"ann\") :claimed-by \"ann\" :claimed-at \"2026-11-21T09:00:00Z\" :attempts 1 :body \"\" :line 120)))",
        };
        var buffer = new ArrayBufferWriter<byte>();
        HarnessFrame.Write(buffer, _message, Large);
        _frame = buffer.WrittenSpan.ToArray();
        _segmented = Segment(_frame, 4096); // as a socket delivers it
        Console.WriteLine($"// {Message}: {MessageBytes} UTF-8 bytes, {HarnessFrame.MeasureLength(_message)} characters");
    }

    [Benchmark]
    public int Encode()
    {
        _output.ResetWrittenCount();
        return HarnessFrame.Write(_output, _message, Large);
    }

    [Benchmark]
    public long Decode()
    {
        var buffer = new ReadOnlySequence<byte>(_frame);
        _reader.TryRead(ref buffer, out ReadOnlySequence<byte> payload);
        return payload.Length;
    }

    [Benchmark]
    public long DecodeSegmented()
    {
        ReadOnlySequence<byte> buffer = _segmented;
        _reader.TryRead(ref buffer, out ReadOnlySequence<byte> payload);
        return payload.Length;
    }

    private static string Repeat(string unit, int bytes)
    {
        var sb = new StringBuilder();
        int unitBytes = Encoding.UTF8.GetByteCount(unit);
        for (int n = unitBytes; n <= bytes; n += unitBytes) sb.Append(unit);
        return sb.ToString();
    }

    private static ReadOnlySequence<byte> Segment(byte[] bytes, int size)
    {
        if (bytes.Length <= size) return new ReadOnlySequence<byte>(bytes);
        var first = new Chunk(bytes.AsMemory(0, size), 0);
        Chunk last = first;
        for (int i = size; i < bytes.Length; i += size) last = last.Append(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    private sealed class Chunk : ReadOnlySequenceSegment<byte>
    {
        public Chunk(ReadOnlyMemory<byte> memory, long index)
        {
            Memory = memory;
            RunningIndex = index;
        }

        public Chunk Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Chunk(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }
}
