using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using OrgDispatch.Framing;
using OrgDispatch.Lisp;

namespace OrgDispatch.Hub;

/// <summary>
/// One Harness Communication message: the envelope <c>(:type TYPE :id ID :payload PLIST)</c>.
/// </summary>
/// <param name="Type">The message type, lower case: <c>request</c>, <c>response</c>, <c>event</c> or <c>error</c>.</param>
/// <param name="Id">A request's id (echoed by its response), an event's sequence number, or 0.</param>
/// <param name="Payload">The property list the type carries (see docs/protocol.md).</param>
public sealed record HubMessage(string Type, long Id, SexpList Payload)
{
    /// <summary>The envelope as an s-expression.</summary>
    public SexpList ToSexp() => Sexp.Plist(("type", Sexp.Keyword(Type)), ("id", Sexp.Integer(Id)), ("payload", Payload));

    /// <summary>Reads an envelope. Keys match without regard to case, and <c>:type</c> may be a
    /// keyword, a symbol or a string.</summary>
    /// <exception cref="FormatException">The value is not an envelope.</exception>
    public static HubMessage FromSexp(Sexp value)
    {
        if (value is not SexpList { Count: > 0 } list) throw new FormatException($"A message must be a property list (:type … :id … :payload …), not {value}.");
        string type = list.Get("type") switch
        {
            SexpKeyword k => k.Name,
            SexpSymbol s => s.Name,
            SexpString s => s.Value,
            _ => throw new FormatException("A message needs :type (e.g. :request)."),
        };
        SexpList payload = list.Get("payload") as SexpList ?? throw new FormatException("A message needs :payload, a property list.");
        return new HubMessage(type.ToLowerInvariant(), list.GetInteger("id") ?? 0, payload);
    }

    /// <summary>Which dialect a peer speaks, judged by how it wrote this message's first key:
    /// <c>:TYPE</c> (a Common Lisp printer) or <c>:type</c>.</summary>
    internal static LispDialect DialectOf(Sexp value) =>
        value is SexpList { Count: > 0 } l && l[0] is SexpKeyword k && k.Name.Any(char.IsUpper) && !k.Name.Any(char.IsLower)
            ? LispDialect.CommonLisp
            : LispDialect.Emacs;

    /// <summary>The framed bytes of <paramref name="message"/> printed for <paramref name="dialect"/>.</summary>
    internal static byte[] Encode(HubMessage message, LispDialect dialect, HarnessFramingOptions framing)
    {
        var buffer = new ArrayBufferWriter<byte>();
        HarnessFrame.Write(buffer, SexpPrinter.Print(message.ToSexp(), dialect), framing);
        return buffer.WrittenSpan.ToArray();
    }
}

/// <summary>Reads framed messages from a stream: frames through <see cref="HarnessFrameReader"/>, then
/// the s-expression. One per connection, one reader at a time.</summary>
internal sealed class HubMessageReader(Stream stream, HarnessFramingOptions framing, int maxDepth)
{
    private readonly PipeReader _pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 16 * 1024, minimumReadSize: 4096, leaveOpen: true));
    private readonly HarnessFrameReader _frames = new(framing);

    /// <summary>The next message's value, or null when the peer closed the connection between messages.</summary>
    /// <exception cref="HarnessProtocolException">Bad framing, a connection closed mid-frame, or a payload that is not an s-expression.</exception>
    public async ValueTask<Sexp?> ReadAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            ReadResult result = await _pipe.ReadAsync(cancellationToken).ConfigureAwait(false);
            ReadOnlySequence<byte> buffer = result.Buffer;
            string text;
            try
            {
                if (!_frames.TryRead(ref buffer, out ReadOnlySequence<byte> payload))
                {
                    if (result.IsCompleted || result.IsCanceled)
                    {
                        if (buffer.Length > 0) throw new HarnessProtocolException($"The connection closed in the middle of a frame ({buffer.Length} bytes unread).");
                        _pipe.AdvanceTo(buffer.End);
                        return null;
                    }
                    _pipe.AdvanceTo(buffer.Start, buffer.End);
                    continue;
                }
                text = Encoding.UTF8.GetString(payload);
            }
            catch
            {
                _pipe.AdvanceTo(buffer.Start);
                throw;
            }
            _pipe.AdvanceTo(buffer.Start);
            try
            {
                return SexpReader.Read(text, maxDepth);
            }
            catch (SexpFormatException e)
            {
                throw new HarnessProtocolException("The message is not an s-expression: " + e.Message);
            }
        }
    }

    public ValueTask CompleteAsync() => _pipe.CompleteAsync();
}
