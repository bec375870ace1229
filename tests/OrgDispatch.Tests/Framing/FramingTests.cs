using System.Buffers;
using System.Text;
using FsCheck;
using FsCheck.Fluent;
using FsCheck.Xunit;
using OrgDispatch.Framing;
using OrgDispatch.Tests.Infrastructure;
using OrgDispatch.Tests.Lisp;

namespace OrgDispatch.Tests.Framing;

public sealed class FramingTests
{
    private static readonly HarnessFramingOptions Bytes = new() { LengthUnit = FrameLengthUnit.Utf8Bytes };

    /// <summary>The framed bytes of <paramref name="message"/>, for tests that talk to the hub raw.</summary>
    internal static byte[] Frame(string message, HarnessFramingOptions? options = null)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HarnessFrame.Write(buffer, message, options);
        return buffer.WrittenSpan.ToArray();
    }

    [Fact]
    public void The_length_counts_code_points_like_Lisp()
    {
        // The design's example: 7 characters, 13 UTF-8 bytes, C# Length 8.
        const string message = "héllo→😀";
        Assert.Equal(8, message.Length);
        Assert.Equal(7, HarnessFrame.MeasureLength(message));
        Assert.Equal(13, HarnessFrame.MeasureLength(message, FrameLengthUnit.Utf8Bytes));
        Assert.Equal("000007" + message, Encoding.UTF8.GetString(Frame(message)));
        Assert.Equal("00000D" + message, Encoding.UTF8.GetString(Frame(message, Bytes)));
    }

    /// <summary>Lisp's <c>length</c> counts characters, i.e. code points: one per <see cref="System.Text.Rune"/>.</summary>
    [Property(MaxTest = 500, QuietOnSuccess = true)]
    public Property The_length_written_is_the_count_Lisp_gives() =>
        Prop.ForAll(SexpGenerators.AnyTextArb, message =>
        {
            int lispLength = message.EnumerateRunes().Count();
            byte[] frame = Frame(message);
            Assert.Equal(lispLength.ToString("X6"), Encoding.ASCII.GetString(frame, 0, 6));
            Assert.Equal(Encoding.UTF8.GetByteCount(message), frame.Length - 6);
        });

    [Fact]
    public void Hex_is_written_upper_case_and_read_in_either_case()
    {
        string message = new('x', 0xAB);
        Assert.StartsWith("0000AB", Encoding.ASCII.GetString(Frame(message), 0, 6));
        var sequence = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("0000ab" + message));
        Assert.True(new HarnessFrameReader().TryRead(ref sequence, out var payload));
        Assert.Equal(0xAB, payload.Length);
        Assert.True(sequence.IsEmpty);
    }

    [Fact]
    public void Reads_back_to_back_frames_and_waits_for_the_rest()
    {
        byte[] two = [.. Frame("(:a 1)"), .. Frame("(:b \"😀\")")];
        var reader = new HarnessFrameReader();
        var partial = new ReadOnlySequence<byte>(two, 0, 10);
        Assert.False(reader.TryRead(ref partial, out _));
        Assert.Equal(10, partial.Length); // untouched
        var all = new ReadOnlySequence<byte>(two);
        Assert.True(reader.TryRead(ref all, out var first));
        Assert.Equal("(:a 1)", Encoding.UTF8.GetString(first));
        Assert.True(reader.TryRead(ref all, out var second));
        Assert.Equal("(:b \"😀\")", Encoding.UTF8.GetString(second));
        Assert.True(all.IsEmpty);
        Assert.False(reader.TryRead(ref all, out _));
    }

    [Theory]
    [InlineData("00001G(:a)", "Bad frame header \"00001G\"")]
    [InlineData(" 00005(:a)", "Bad frame header")]
    [InlineData("(:a 1)", "Bad frame header")] // line-framed or unframed text
    public void Bad_hex_is_a_protocol_error(string input, string message)
    {
        var sequence = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes(input));
        var e = Assert.Throws<HarnessProtocolException>(() => new HarnessFrameReader().TryRead(ref sequence, out _));
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void An_over_limit_length_is_refused_before_the_body_arrives()
    {
        var reader = new HarnessFrameReader(new HarnessFramingOptions { MaxMessageLength = 100 });
        var sequence = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("000065"));
        var e = Assert.Throws<HarnessProtocolException>(() => reader.TryRead(ref sequence, out _));
        Assert.Contains("101 characters is over the limit of 100", e.Message);
        var big = new ArrayBufferWriter<byte>();
        Assert.Throws<ArgumentException>(() => HarnessFrame.Write(big, new string('x', 101), new HarnessFramingOptions { MaxMessageLength = 100 }));
    }

    [Fact]
    public void Nothing_over_0xFFFFFF_can_be_framed()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new HarnessFrameReader(new HarnessFramingOptions { MaxMessageLength = 0x1000000 }));
        var options = new HarnessFramingOptions { MaxMessageLength = HarnessFrame.ProtocolMaxLength };
        var e = Assert.Throws<ArgumentException>(() => HarnessFrame.Write(new ArrayBufferWriter<byte>(), new string('x', 0x1000000), options));
        Assert.Contains("cannot be framed", e.Message);
    }

    [Theory]
    [InlineData(new byte[] { 0xFF }, FrameLengthUnit.CodePoints)]
    [InlineData(new byte[] { 0xC3, 0x28 }, FrameLengthUnit.Utf8Bytes)]        // bad continuation
    [InlineData(new byte[] { 0xED, 0xA0, 0x80 }, FrameLengthUnit.Utf8Bytes)]  // an encoded surrogate
    [InlineData(new byte[] { 0xC0, 0xAF }, FrameLengthUnit.Utf8Bytes)]        // overlong
    [InlineData(new byte[] { 0x80, 0x41 }, FrameLengthUnit.CodePoints)]        // stray continuation
    public void Invalid_utf8_is_a_protocol_error(byte[] body, FrameLengthUnit unit)
    {
        int length = unit == FrameLengthUnit.Utf8Bytes ? body.Length : 1;
        byte[] frame = [.. Encoding.ASCII.GetBytes(length.ToString("X6")), .. body];
        var sequence = new ReadOnlySequence<byte>(frame);
        var e = Assert.Throws<HarnessProtocolException>(() => new HarnessFrameReader(new HarnessFramingOptions { LengthUnit = unit }).TryRead(ref sequence, out _));
        Assert.Contains("not valid UTF-8", e.Message);
    }

    [Fact]
    public void An_empty_message_is_a_frame()
    {
        var sequence = new ReadOnlySequence<byte>(Encoding.ASCII.GetBytes("000000"));
        Assert.True(new HarnessFrameReader().TryRead(ref sequence, out var payload));
        Assert.True(payload.IsEmpty);
    }

    [Fact]
    public void Reading_a_frame_allocates_nothing()
    {
        byte[] frame = Frame("(:type :event :id 1 :payload (:event \"claimed\" :task-id \"TASK-00001\" :agent \"é→😀\"))");
        var reader = new HarnessFrameReader();
        var big = Frame(new string('y', 50_000) + "😀");
        GcAssert.NoAllocations(() =>
        {
            var s = new ReadOnlySequence<byte>(frame);
            if (!reader.TryRead(ref s, out _)) throw new InvalidOperationException();
            var b = new ReadOnlySequence<byte>(big);
            if (!reader.TryRead(ref b, out _)) throw new InvalidOperationException();
        });
    }

    [Fact]
    public void Writing_a_frame_allocates_nothing_beyond_the_buffer()
    {
        const string message = "(:type :response :id 12 :payload (:ok t :result \"é→😀\"))";
        var buffer = new ArrayBufferWriter<byte>(4096);
        GcAssert.NoAllocations(() =>
        {
            buffer.ResetWrittenCount();
            HarnessFrame.Write(buffer, message);
        });
    }

    /// <summary>Frames of random messages (quotes, backslashes, newlines, astral characters), cut
    /// into random segments, even inside a UTF-8 sequence, and fed in growing prefixes as a socket would.</summary>
    [Property(MaxTest = 400, QuietOnSuccess = true)]
    public Property Frames_read_back_under_any_split_counting_code_points() => FramesReadBack(FrameLengthUnit.CodePoints);

    [Property(MaxTest = 400, QuietOnSuccess = true)]
    public Property Frames_read_back_under_any_split_counting_bytes() => FramesReadBack(FrameLengthUnit.Utf8Bytes);

    private static Property FramesReadBack(FrameLengthUnit unit)
    {
        var options = new HarnessFramingOptions { LengthUnit = unit };
        Gen<(string[] Messages, int[] Cuts)> cases =
            from n in Gen.Choose(1, 4)
            from messages in Gen.ArrayOf(SexpGenerators.AnyText(), n)
            from k in Gen.Choose(0, 8)
            from cuts in Gen.ArrayOf(Gen.Choose(0, 200), k)
            select (messages, cuts);
        return Prop.ForAll(Arb.From(cases), c =>
        {
            byte[] stream = c.Messages.SelectMany(m => Frame(m, options)).ToArray();
            int[] cuts = c.Cuts.Select(x => x % (stream.Length + 1)).Append(stream.Length).Distinct().Order().ToArray();
            AssertReadsBack(stream, cuts, c.Messages, options);
        });
    }

    [Fact]
    public void Frames_read_back_when_fed_one_byte_at_a_time_at_every_split()
    {
        string[] messages = ["(:op \"claim\" :note \"a\\\"b\\\\c\nd\")", "😀é→日本", ""];
        foreach (FrameLengthUnit unit in Enum.GetValues<FrameLengthUnit>())
        {
            var options = new HarnessFramingOptions { LengthUnit = unit };
            byte[] stream = messages.SelectMany(m => Frame(m, options)).ToArray();
            AssertReadsBack(stream, Enumerable.Range(1, stream.Length).ToArray(), messages, options);
            for (int cut = 0; cut <= stream.Length; cut++) AssertReadsBack(stream, [cut, stream.Length], messages, options);
        }
    }

    /// <summary>Feeds <paramref name="stream"/> as a pipe would: the unread part plus the next
    /// chunk, each chunk its own segment, and checks the messages come out whole and in order.</summary>
    private static void AssertReadsBack(byte[] stream, int[] cuts, string[] expected, HarnessFramingOptions options)
    {
        var reader = new HarnessFrameReader(options);
        var read = new List<string>();
        int consumed = 0;
        foreach (int cut in cuts)
        {
            if (cut < consumed) continue;
            ReadOnlySequence<byte> buffer = Segments.Of(stream.AsMemory(consumed, cut - consumed), 3);
            long before = buffer.Length;
            while (reader.TryRead(ref buffer, out var payload)) read.Add(Encoding.UTF8.GetString(payload));
            consumed += (int)(before - buffer.Length);
        }
        Assert.Equal(expected, read);
        Assert.Equal(stream.Length, consumed);
    }
}

/// <summary>A <see cref="ReadOnlySequence{T}"/> made of several segments.</summary>
internal sealed class Segments : ReadOnlySequenceSegment<byte>
{
    private Segments(ReadOnlyMemory<byte> memory, long index)
    {
        Memory = memory;
        RunningIndex = index;
    }

    /// <summary>Splits <paramref name="bytes"/> into segments of at most <paramref name="size"/> bytes.</summary>
    public static ReadOnlySequence<byte> Of(ReadOnlyMemory<byte> bytes, int size)
    {
        if (bytes.Length <= size) return new ReadOnlySequence<byte>(bytes);
        var first = new Segments(bytes[..size], 0);
        Segments last = first;
        for (int i = size; i < bytes.Length; i += size)
        {
            var next = new Segments(bytes[i..Math.Min(i + size, bytes.Length)], i);
            last.Next = next;
            last = next;
        }
        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }
}
