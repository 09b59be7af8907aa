namespace Imaging.Dicom;

/// <summary>A value representation (PS3.5 §6.2): how a value is encoded, padded and how long its length field is.</summary>
public readonly record struct DicomVR
{
    private readonly ushort _code;

    private DicomVR(char first, char second) => _code = (ushort)((first << 8) | second);

    public static readonly DicomVR AE = new('A', 'E'), AS = new('A', 'S'), AT = new('A', 'T'), CS = new('C', 'S'), DA = new('D', 'A'),
        DS = new('D', 'S'), DT = new('D', 'T'), FD = new('F', 'D'), FL = new('F', 'L'), IS = new('I', 'S'), LO = new('L', 'O'),
        LT = new('L', 'T'), OB = new('O', 'B'), OD = new('O', 'D'), OF = new('O', 'F'), OL = new('O', 'L'), OV = new('O', 'V'),
        OW = new('O', 'W'), PN = new('P', 'N'), SH = new('S', 'H'), SL = new('S', 'L'), SQ = new('S', 'Q'), SS = new('S', 'S'),
        ST = new('S', 'T'), SV = new('S', 'V'), TM = new('T', 'M'), UC = new('U', 'C'), UI = new('U', 'I'), UL = new('U', 'L'),
        UN = new('U', 'N'), UR = new('U', 'R'), US = new('U', 'S'), UT = new('U', 'T'), UV = new('U', 'V');

    private static readonly HashSet<DicomVR> Known =
        [AE, AS, AT, CS, DA, DS, DT, FD, FL, IS, LO, LT, OB, OD, OF, OL, OV, OW, PN, SH, SL, SQ, SS, ST, SV, TM, UC, UI, UL, UN, UR, US, UT, UV];

    public string Code => new([(char)(_code >> 8), (char)(_code & 0xFF)]);

    public bool IsKnown => Known.Contains(this);

    /// <summary>Explicit VR: these have two reserved bytes and a 32-bit length (PS3.5 §7.1.2).</summary>
    public bool HasLongLength => this == OB || this == OD || this == OF || this == OL || this == OV || this == OW || this == SQ
        || this == SV || this == UC || this == UN || this == UR || this == UT || this == UV;

    /// <summary>Character string VRs, padded with a space (UI with NUL).</summary>
    public bool IsString => this == AE || this == AS || this == CS || this == DA || this == DS || this == DT || this == IS || this == LO
        || this == LT || this == PN || this == SH || this == ST || this == TM || this == UC || this == UI || this == UR || this == UT;

    /// <summary>Strings whose value may hold several values separated by '\'.</summary>
    public bool IsMultiValueString => IsString && this != LT && this != ST && this != UT && this != UR;

    /// <summary>Size of one value in bytes for binary numeric VRs (the unit of byte swapping); 0 for the others.</summary>
    public int ValueSize =>
        this == US || this == SS || this == OW ? 2
        : this == UL || this == SL || this == FL || this == OF || this == OL || this == AT ? 4
        : this == FD || this == OD || this == SV || this == UV || this == OV ? 8
        : 0;

    public byte PaddingByte => this == UI || this == OB || this == UN ? (byte)0 : IsString ? (byte)' ' : (byte)0;

    /// <summary>Parses two bytes of an explicit VR; false when they are not two upper-case letters.</summary>
    public static bool TryParse(byte first, byte second, out DicomVR vr)
    {
        vr = new DicomVR((char)first, (char)second);
        return first is >= (byte)'A' and <= (byte)'Z' && second is >= (byte)'A' and <= (byte)'Z';
    }

    public static DicomVR Parse(string code) =>
        code.Length == 2 && TryParse((byte)code[0], (byte)code[1], out var vr)
            ? vr
            : throw new FormatException($"'{code}' is not a value representation.");

    public override string ToString() => Code;
}
