using System.Buffers;
using System.Runtime.Intrinsics;
using System.Text;
using System.Text.Unicode;

using OrgDispatch.Text;

namespace OrgDispatch.Framing;

/// <summary>What a frame's length counts.</summary>
public enum FrameLengthUnit
{
    /// <summary>Characters (Unicode code points), as Lisp's <c>(length msg)</c> counts them: the
    /// Harness Communication reference, <c>(format nil "~6,'0x~a" len msg)</c>.</summary>
    CodePoints,

    /// <summary>UTF-8 bytes, as SLIME's SWANK protocol counts them.</summary>
    Utf8Bytes,
}

/// <summary>How frames are read and written.</summary>
public sealed record HarnessFramingOptions
{
    /// <summary>The defaults: code points, at most 1,048,576 per message.</summary>
    public static HarnessFramingOptions Default { get; } = new();

    /// <summary>What the six-digit length counts. Default <see cref="FrameLengthUnit.CodePoints"/>.</summary>
    public FrameLengthUnit LengthUnit { get; init; } = FrameLengthUnit.CodePoints;

    /// <summary>The largest message accepted or written, in <see cref="LengthUnit"/>; at most
    /// <see cref="HarnessFrame.ProtocolMaxLength"/>. Default 1 Mi: the protocol allows 16 Mi, but a
    /// peer announcing that much is far more likely broken or hostile than busy.</summary>
    public int MaxMessageLength { get; init; } = 1 << 20;

    internal void Validate()
    {
        if (MaxMessageLength is < 0 or > HarnessFrame.ProtocolMaxLength)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxMessageLength), MaxMessageLength, $"Must be between 0 and {HarnessFrame.ProtocolMaxLength} (0xFFFFFF), the most six hex digits can say.");
        }
        if (!Enum.IsDefined(LengthUnit)) throw new ArgumentOutOfRangeException(nameof(LengthUnit), LengthUnit, "Unknown length unit.");
    }
}

/// <summary>The peer broke the framing: a bad header, an over-limit length, or invalid UTF-8.
/// The connection cannot be trusted past this point and should be closed with <see cref="Exception.Message"/> as the reason.</summary>
/// <param name="message">What was wrong.</param>
public sealed class HarnessProtocolException(string message) : Exception(message);

/// <summary>
/// The Harness Communication frame: six hex digits giving the message's length, then the message
/// in UTF-8, with nothing between frames. Writing is stateless (<see cref="Write(IBufferWriter{byte}, ReadOnlySpan{char}, HarnessFramingOptions?)"/>);
/// reading is done by a <see cref="HarnessFrameReader"/>, one per connection.
/// </summary>
public static class HarnessFrame
{
    /// <summary>The header's length: six hex digits.</summary>
    public const int HeaderLength = 6;

    /// <summary>The longest message six hex digits can frame: 0xFFFFFF.</summary>
    public const int ProtocolMaxLength = 0xFFFFFF;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    /// <summary>Writes one frame: the header (upper-case hex) and the message in UTF-8.</summary>
    /// <param name="writer">Where to write, e.g. a <see cref="System.IO.Pipelines.PipeWriter"/>.</param>
    /// <param name="message">The printed s-expression.</param>
    /// <param name="options">The length unit and limit; null for <see cref="HarnessFramingOptions.Default"/>.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The message has an unpaired surrogate, or is longer than the limit.</exception>
    public static int Write(IBufferWriter<byte> writer, ReadOnlySpan<char> message, HarnessFramingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        options ??= HarnessFramingOptions.Default;
        int byteCount = StrictUtf8.GetByteCount(message); // throws on an unpaired surrogate
        Span<byte> span = writer.GetSpan(HeaderLength + byteCount);
        int written = StrictUtf8.GetBytes(message, span[HeaderLength..]);
        int length = options.LengthUnit == FrameLengthUnit.Utf8Bytes ? written : Utf8Text.CountCodePoints(span.Slice(HeaderLength, written));
        WriteHeader(span, length, options);
        writer.Advance(HeaderLength + written);
        return HeaderLength + written;
    }

    /// <summary>Writes one frame around a message that is already UTF-8.</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="utf8Message">The printed s-expression in UTF-8.</param>
    /// <param name="options">The length unit and limit; null for <see cref="HarnessFramingOptions.Default"/>.</param>
    /// <returns>The number of bytes written.</returns>
    /// <exception cref="ArgumentException">The message is not valid UTF-8, or is longer than the limit.</exception>
    public static int Write(IBufferWriter<byte> writer, ReadOnlySpan<byte> utf8Message, HarnessFramingOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(writer);
        options ??= HarnessFramingOptions.Default;
        if (!Utf8.IsValid(utf8Message)) throw new ArgumentException("The message is not valid UTF-8.", nameof(utf8Message));
        int length = options.LengthUnit == FrameLengthUnit.Utf8Bytes ? utf8Message.Length : Utf8Text.CountCodePoints(utf8Message);
        Span<byte> span = writer.GetSpan(HeaderLength + utf8Message.Length);
        WriteHeader(span, length, options);
        utf8Message.CopyTo(span[HeaderLength..]);
        writer.Advance(HeaderLength + utf8Message.Length);
        return HeaderLength + utf8Message.Length;
    }

    /// <summary>The length the header gives for <paramref name="message"/>: code points (what Lisp's
    /// <c>length</c> returns) or UTF-8 bytes.</summary>
    /// <exception cref="ArgumentException">The message has an unpaired surrogate.</exception>
    public static int MeasureLength(ReadOnlySpan<char> message, FrameLengthUnit unit = FrameLengthUnit.CodePoints)
    {
        int bytes = StrictUtf8.GetByteCount(message);
        if (unit == FrameLengthUnit.Utf8Bytes) return bytes;
        // Each surrogate pair is one code point; every other UTF-16 unit is one. GetByteCount has
        // already refused unpaired surrogates, so each high surrogate starts a pair.
        int pairs = 0;
        for (ReadOnlySpan<char> rest = message; rest.IndexOfAnyInRange('\uD800', '\uDBFF') is var i and >= 0; rest = rest[(i + 2)..]) pairs++;
        return message.Length - pairs;
    }

    private static void WriteHeader(Span<byte> span, int length, HarnessFramingOptions options)
    {
        if (length > ProtocolMaxLength) throw new ArgumentException($"A message of {length} {Unit(options)} cannot be framed: six hex digits hold at most {ProtocolMaxLength}.");
        if (length > options.MaxMessageLength) throw new ArgumentException($"A message of {length} {Unit(options)} is over the limit of {options.MaxMessageLength}.");
        for (int i = HeaderLength - 1; i >= 0; i--, length >>= 4) span[i] = (byte)"0123456789ABCDEF"[length & 0xF];
    }

    internal static string Unit(HarnessFramingOptions options) => options.LengthUnit == FrameLengthUnit.Utf8Bytes ? "bytes" : "characters";
}

/// <summary>
/// Reads frames from a connection's incoming bytes, however they were split: one byte at a time,
/// across segments, in the middle of a UTF-8 sequence. Use one per connection, from one thread.
/// </summary>
/// <remarks>
/// With lengths in code points the byte length of a message is only known after counting its
/// characters; the reader remembers how far it has counted, so a large message arriving in many
/// small reads is scanned once, not once per read. It validates each message's UTF-8 once whole.
/// Each call allocates nothing: the payload is a slice of the input.
/// </remarks>
/// <param name="options">The length unit and limit; null for <see cref="HarnessFramingOptions.Default"/>.</param>
public sealed class HarnessFrameReader(HarnessFramingOptions? options = null)
{
    private readonly HarnessFramingOptions _options = Validated(options ?? HarnessFramingOptions.Default);

    // Progress on the frame at the start of the buffer (reset when a frame is returned).
    private int _length = -1;     // from the header; -1 until the header is read
    private long _scanned;        // payload bytes counted so far
    private int _leads;           // code points started in those bytes

    /// <summary>The options in use.</summary>
    public HarnessFramingOptions Options => _options;

    /// <summary>Reads the frame at the start of <paramref name="buffer"/>, if it is all there.</summary>
    /// <param name="buffer">The unread input. On success it is advanced past the frame; otherwise it is
    /// left as it was, and the caller should wait for more input (with a Pipe: <c>AdvanceTo(buffer.Start, buffer.End)</c>).
    /// Between calls the buffer must start at the same frame, only longer.</param>
    /// <param name="payload">The message's UTF-8 bytes, a slice of <paramref name="buffer"/>.</param>
    /// <returns>Whether a whole frame was read.</returns>
    /// <exception cref="HarnessProtocolException">The header is not six hex digits, the length is over
    /// the limit, or the message is not valid UTF-8.</exception>
    public bool TryRead(ref ReadOnlySequence<byte> buffer, out ReadOnlySequence<byte> payload)
    {
        payload = default;
        if (_length < 0)
        {
            if (buffer.Length < HarnessFrame.HeaderLength) return false;
            _length = ParseHeader(buffer.Slice(0, HarnessFrame.HeaderLength));
            _scanned = 0;
            _leads = 0;
        }
        long byteLength;
        if (_options.LengthUnit == FrameLengthUnit.Utf8Bytes)
        {
            byteLength = _length;
            if (buffer.Length - HarnessFrame.HeaderLength < byteLength) return false;
        }
        else if (!TryFindEnd(buffer.Slice(HarnessFrame.HeaderLength), out byteLength))
        {
            return false;
        }
        payload = buffer.Slice(HarnessFrame.HeaderLength, byteLength);
        if (!IsValidUtf8(payload)) throw new HarnessProtocolException("The message is not valid UTF-8.");
        buffer = buffer.Slice(payload.End);
        _length = -1;
        return true;
    }

    /// <summary>Forgets progress on a partly read frame (for a reader reused on a new connection).</summary>
    public void Reset() => _length = -1;

    private int ParseHeader(ReadOnlySequence<byte> header)
    {
        Span<byte> digits = stackalloc byte[HarnessFrame.HeaderLength];
        header.CopyTo(digits);
        int length = 0;
        foreach (byte b in digits)
        {
            int v = HexValue(b);
            if (v < 0) throw new HarnessProtocolException($"Bad frame header \"{Printable(digits)}\": expected six hex digits.");
            length = (length << 4) | v;
        }
        if (length > _options.MaxMessageLength)
        {
            throw new HarnessProtocolException($"A message of {length} {HarnessFrame.Unit(_options)} is over the limit of {_options.MaxMessageLength}.");
        }
        return length;
    }

    /// <summary>Counts code points from where the last call stopped; the frame ends after the
    /// whole UTF-8 sequence of the <c>_length</c>-th one.</summary>
    private bool TryFindEnd(ReadOnlySequence<byte> body, out long byteLength)
    {
        byteLength = 0;
        if (_length == 0) return true;
        ReadOnlySequence<byte> rest = body.Slice(_scanned);
        foreach (ReadOnlyMemory<byte> memory in rest)
        {
            ReadOnlySpan<byte> span = memory.Span;
            int need = _length - _leads; // code points still to start
            // Fast path: a whole block whose bytes cannot all be leads past the last one needed.
            int block = 0;
            while (span.Length - block >= 64 && need > 64)
            {
                int leads = 64 - Utf8Text.CountContinuationBytes(span.Slice(block, 64));
                need -= leads;
                block += 64;
            }
            _leads = _length - need;
            _scanned += block;
            for (int i = block; i < span.Length; i++)
            {
                _scanned++;
                if ((span[i] & 0xC0) == 0x80) continue;
                if (++_leads == _length)
                {
                    int sequence = SequenceLength(span[i]);
                    if (sequence == 0) throw new HarnessProtocolException("The message is not valid UTF-8.");
                    long end = _scanned - 1 + sequence;
                    if (body.Length < end)
                    {
                        // The last character's remaining bytes have not arrived: count again from it next time.
                        _scanned--;
                        _leads--;
                        return false;
                    }
                    byteLength = end;
                    return true;
                }
            }
        }
        return false;
    }

    private static int SequenceLength(byte lead) => lead switch
    {
        < 0x80 => 1,
        >= 0xC2 and < 0xE0 => 2,
        >= 0xE0 and < 0xF0 => 3,
        >= 0xF0 and < 0xF5 => 4,
        _ => 0,
    };

    /// <summary>UTF-8 validity across segments: each segment is checked up to its last whole
    /// sequence, and a sequence split between segments is checked on its own.</summary>
    internal static bool IsValidUtf8(ReadOnlySequence<byte> bytes)
    {
        if (bytes.IsSingleSegment) return Utf8.IsValid(bytes.FirstSpan);
        Span<byte> carry = stackalloc byte[4];
        int carried = 0;
        foreach (ReadOnlyMemory<byte> memory in bytes)
        {
            ReadOnlySpan<byte> span = memory.Span;
            while (carried > 0 && !span.IsEmpty)
            {
                carry[carried++] = span[0];
                span = span[1..];
                OperationStatus status = Rune.DecodeFromUtf8(carry[..carried], out _, out int consumed);
                if (status == OperationStatus.Done && consumed == carried) carried = 0;
                else if (status != OperationStatus.NeedMoreData || carried == 4) return false;
            }
            if (span.IsEmpty) continue;
            // Find where the last (possibly incomplete) sequence starts.
            int tail = span.Length - 1, steps = 0;
            while (tail > 0 && (span[tail] & 0xC0) == 0x80 && steps < 3) { tail--; steps++; }
            int needed = SequenceLength(span[tail]);
            int whole = needed != 0 && tail + needed > span.Length ? tail : span.Length;
            if (!Utf8.IsValid(span[..whole])) return false;
            span[whole..].CopyTo(carry);
            carried = span.Length - whole;
        }
        return carried == 0;
    }

    private static int HexValue(byte b) => b switch
    {
        >= (byte)'0' and <= (byte)'9' => b - '0',
        >= (byte)'A' and <= (byte)'F' => b - 'A' + 10,
        >= (byte)'a' and <= (byte)'f' => b - 'a' + 10,
        _ => -1,
    };

    private static string Printable(ReadOnlySpan<byte> bytes)
    {
        var sb = new StringBuilder();
        foreach (byte b in bytes) sb.Append(b is >= 0x20 and < 0x7F ? (char)b : '?');
        return sb.ToString();
    }

    private static HarnessFramingOptions Validated(HarnessFramingOptions options)
    {
        options.Validate();
        return options;
    }
}
