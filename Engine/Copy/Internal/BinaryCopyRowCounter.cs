using System.Buffers.Binary;

namespace Ferry.Engine.Copy.Internal;

/// <summary>
/// Counts the rows of a binary COPY stream as it passes, without holding it: header, then per tuple an int16 field count
/// and per field an int32 length and that many bytes; a field count of -1 ends the stream.
/// <see href="https://www.postgresql.org/docs/current/sql-copy.html#SQL-COPY-BINARY-FORMAT"/>
/// </summary>
internal sealed class BinaryCopyRowCounter
{
    private readonly byte[] _number = new byte[4];
    private Phase _phase = Phase.ExtensionLength;
    private long _skip = 15; // 11-byte signature and 4-byte flags
    private int _need = 4;
    private int _have;
    private int _fieldsLeft;

    private enum Phase
    {
        ExtensionLength,
        FieldCount,
        FieldLength,
        Done,
    }

    public long Rows { get; private set; }

    public bool Done => _phase == Phase.Done;

    public void Feed(ReadOnlySpan<byte> data)
    {
        while (data.Length > 0 && _phase != Phase.Done)
        {
            if (_skip > 0)
            {
                var skipped = (int)Math.Min(_skip, data.Length);
                _skip -= skipped;
                data = data[skipped..];
                continue;
            }
            var take = Math.Min(_need - _have, data.Length);
            data[..take].CopyTo(_number.AsSpan(_have));
            _have += take;
            data = data[take..];
            if (_have == _need)
            {
                _have = 0;
                OnNumber();
            }
        }
    }

    private void OnNumber()
    {
        switch (_phase)
        {
            case Phase.ExtensionLength:
                _skip = BinaryPrimitives.ReadInt32BigEndian(_number);
                NextTuple();
                break;
            case Phase.FieldCount:
                var fields = BinaryPrimitives.ReadInt16BigEndian(_number);
                if (fields == -1)
                {
                    _phase = Phase.Done;
                    return;
                }
                Rows++;
                _fieldsLeft = fields;
                if (fields > 0)
                {
                    _phase = Phase.FieldLength;
                    _need = 4;
                }
                break;
            case Phase.FieldLength:
                var length = BinaryPrimitives.ReadInt32BigEndian(_number);
                _skip = Math.Max(length, 0);
                if (--_fieldsLeft == 0)
                {
                    NextTuple();
                }
                break;
            case Phase.Done:
            default:
                break;
        }
    }

    private void NextTuple()
    {
        _phase = Phase.FieldCount;
        _need = 2;
    }
}
