using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.InteropServices;

namespace Imaging.WorkflowWorker.Reconstruction;

/// <summary>
/// A complex FFT of one length, in place on split real and imaginary planes, in double precision. Powers of two
/// use an iterative radix-2 transform whose butterflies run on <see cref="Vector{T}"/>; other lengths use
/// Bluestein's chirp-z algorithm on a power-of-two transform, so every length costs O(n log n).
/// Unnormalised in both directions, like FFTW; numpy's ifft divides by n, which the caller does once per image.
/// See docs/decisions/0006-own-fft.md for why this is ours.
/// </summary>
public sealed class FftPlan
{
    private static readonly ConcurrentDictionary<int, FftPlan> Plans = new();

    // Radix-2: twiddles for the stage of half-size h at [h, 2h): cos(pi j / h) and sin(pi j / h).
    private readonly double[] _cos = [];
    private readonly double[] _sin = [];
    private readonly int[] _bitReverse = [];

    // Bluestein: the chirp, and the transformed conjugate chirp for each direction, on a power-of-two plan.
    private readonly FftPlan? _inner;
    private readonly double[] _chirpCos = [];
    private readonly double[] _chirpSin = [];
    private readonly (double[] Re, double[] Im) _forwardKernel;
    private readonly (double[] Re, double[] Im) _inverseKernel;

    private FftPlan(int length)
    {
        Length = length;
        if (BitOperations.IsPow2(length))
        {
            _cos = new double[length];
            _sin = new double[length];
            for (var h = 1; h < length; h *= 2)
            {
                for (var j = 0; j < h; j++)
                {
                    (_sin[h + j], _cos[h + j]) = Math.SinCos(Math.PI * j / h);
                }
            }

            _bitReverse = new int[length];
            var bits = BitOperations.Log2((uint)length);
            for (var i = 0; i < length; i++)
            {
                _bitReverse[i] = bits == 0 ? 0 : (int)(ReverseBits((uint)i) >> (32 - bits));
            }

            return;
        }

        var padded = (int)BitOperations.RoundUpToPowerOf2((uint)(2 * length - 1));
        _inner = For(padded);
        _chirpCos = new double[length];
        _chirpSin = new double[length];
        for (var k = 0; k < length; k++)
        {
            // k² mod 2n keeps the angle small, so large k loses no precision.
            var angle = Math.PI * ((long)k * k % (2L * length)) / length;
            (_chirpSin[k], _chirpCos[k]) = Math.SinCos(angle);
        }

        _forwardKernel = Kernel(-1);
        _inverseKernel = Kernel(+1);
    }

    public int Length { get; }

    public static FftPlan For(int length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        return Plans.GetOrAdd(length, n => new FftPlan(n));
    }

    /// <summary>X[k] = Σ x[n] e^{-2πikn/N}.</summary>
    public void Forward(Span<double> re, Span<double> im) => Transform(re, im, -1);

    /// <summary>x[n] = Σ X[k] e^{+2πikn/N}, without the 1/N.</summary>
    public void Inverse(Span<double> re, Span<double> im) => Transform(re, im, +1);

    /// <summary>Whether <see cref="InverseColumns"/> can be used: powers of two only.</summary>
    public bool CanTransformColumns => _inner is null;

    /// <summary>
    /// The inverse transform (without 1/N) of every column of a row-major [Length × width] array at once: each
    /// butterfly combines two whole rows, so the work runs on <see cref="Vector{T}"/> across the columns with no
    /// transpose. Powers of two only.
    /// </summary>
    public void InverseColumns(Span<double> re, Span<double> im, int width)
    {
        if (_inner is not null || re.Length != Length * width || im.Length != Length * width)
        {
            throw new ArgumentException($"Column transforms need a power-of-two plan and {Length}×{width} values.");
        }

        var n = Length;
        for (var i = 0; i < n; i++)
        {
            var j = _bitReverse[i];
            if (j > i)
            {
                SwapRows(re, i, j, width);
                SwapRows(im, i, j, width);
            }
        }

        for (var h = 1; h < n; h *= 2)
        {
            for (var start = 0; start < n; start += 2 * h)
            {
                for (var j = 0; j < h; j++)
                {
                    var (cos, sin) = (_cos[h + j], _sin[h + j]);
                    var a = (start + j) * width;
                    var b = (start + j + h) * width;
                    Butterfly(re.Slice(a, width), im.Slice(a, width), re.Slice(b, width), im.Slice(b, width), cos, sin);
                }
            }
        }
    }

    // a, b ← a + w·b, a − w·b for a scalar twiddle w = cos + i·sin, across a row.
    private static void Butterfly(Span<double> aRe, Span<double> aIm, Span<double> bRe, Span<double> bIm, double cos, double sin)
    {
        var width = Vector<double>.Count;
        var k = 0;
        if (aRe.Length >= width)
        {
            var (vCos, vSin) = (new Vector<double>(cos), new Vector<double>(sin));
            var vaRe = MemoryMarshal.Cast<double, Vector<double>>(aRe);
            var vaIm = MemoryMarshal.Cast<double, Vector<double>>(aIm);
            var vbRe = MemoryMarshal.Cast<double, Vector<double>>(bRe);
            var vbIm = MemoryMarshal.Cast<double, Vector<double>>(bIm);
            for (var v = 0; v < vaRe.Length; v++)
            {
                var tRe = (vbRe[v] * vCos) - (vbIm[v] * vSin);
                var tIm = (vbRe[v] * vSin) + (vbIm[v] * vCos);
                vbRe[v] = vaRe[v] - tRe;
                vbIm[v] = vaIm[v] - tIm;
                vaRe[v] += tRe;
                vaIm[v] += tIm;
            }

            k = vaRe.Length * width;
        }

        for (; k < aRe.Length; k++)
        {
            var tRe = (bRe[k] * cos) - (bIm[k] * sin);
            var tIm = (bRe[k] * sin) + (bIm[k] * cos);
            bRe[k] = aRe[k] - tRe;
            bIm[k] = aIm[k] - tIm;
            aRe[k] += tRe;
            aIm[k] += tIm;
        }
    }

    private static void SwapRows(Span<double> data, int i, int j, int width)
    {
        var a = data.Slice(i * width, width);
        var b = data.Slice(j * width, width);
        for (var k = 0; k < width; k++)
        {
            (a[k], b[k]) = (b[k], a[k]);
        }
    }

    private void Transform(Span<double> re, Span<double> im, int sign)
    {
        if (re.Length != Length || im.Length != Length)
        {
            throw new ArgumentException($"The plan is for {Length} values, not {re.Length}.");
        }

        if (_inner is null)
        {
            Radix2(re, im, sign);
        }
        else
        {
            Bluestein(re, im, sign);
        }
    }

    private void Radix2(Span<double> re, Span<double> im, int sign)
    {
        var n = Length;
        for (var i = 0; i < n; i++)
        {
            var j = _bitReverse[i];
            if (j > i)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }

        var width = Vector<double>.Count;
        for (var h = 1; h < n; h *= 2)
        {
            var cos = _cos.AsSpan(h, h);
            var sin = _sin.AsSpan(h, h);
            for (var start = 0; start < n; start += 2 * h)
            {
                var aRe = re.Slice(start, h);
                var aIm = im.Slice(start, h);
                var bRe = re.Slice(start + h, h);
                var bIm = im.Slice(start + h, h);
                var j = 0;
                if (h >= width)
                {
                    var vaRe = MemoryMarshal.Cast<double, Vector<double>>(aRe);
                    var vaIm = MemoryMarshal.Cast<double, Vector<double>>(aIm);
                    var vbRe = MemoryMarshal.Cast<double, Vector<double>>(bRe);
                    var vbIm = MemoryMarshal.Cast<double, Vector<double>>(bIm);
                    var vCos = MemoryMarshal.Cast<double, Vector<double>>(cos);
                    var vSin = MemoryMarshal.Cast<double, Vector<double>>(sin);
                    var vSign = new Vector<double>(sign);
                    for (var v = 0; v < vaRe.Length; v++)
                    {
                        var wIm = vSin[v] * vSign;
                        var tRe = (vbRe[v] * vCos[v]) - (vbIm[v] * wIm);
                        var tIm = (vbRe[v] * wIm) + (vbIm[v] * vCos[v]);
                        vbRe[v] = vaRe[v] - tRe;
                        vbIm[v] = vaIm[v] - tIm;
                        vaRe[v] += tRe;
                        vaIm[v] += tIm;
                    }

                    j = vaRe.Length * width;
                }

                for (; j < h; j++)
                {
                    var wIm = sin[j] * sign;
                    var tRe = (bRe[j] * cos[j]) - (bIm[j] * wIm);
                    var tIm = (bRe[j] * wIm) + (bIm[j] * cos[j]);
                    bRe[j] = aRe[j] - tRe;
                    bIm[j] = aIm[j] - tIm;
                    aRe[j] += tRe;
                    aIm[j] += tIm;
                }
            }
        }
    }

    private void Bluestein(Span<double> re, Span<double> im, int sign)
    {
        var n = Length;
        var m = _inner!.Length;
        var (kernelRe, kernelIm) = sign < 0 ? _forwardKernel : _inverseKernel;
        var aRe = new double[m];
        var aIm = new double[m];
        for (var k = 0; k < n; k++)
        {
            // a[k] = x[k] · w[k], with w[k] = e^{sign·iπk²/n}.
            var (c, s) = (_chirpCos[k], sign * _chirpSin[k]);
            aRe[k] = (re[k] * c) - (im[k] * s);
            aIm[k] = (re[k] * s) + (im[k] * c);
        }

        _inner.Forward(aRe, aIm);
        for (var k = 0; k < m; k++)
        {
            var (x, y) = (aRe[k], aIm[k]);
            aRe[k] = (x * kernelRe[k]) - (y * kernelIm[k]);
            aIm[k] = (x * kernelIm[k]) + (y * kernelRe[k]);
        }

        _inner.Inverse(aRe, aIm);
        for (var k = 0; k < n; k++)
        {
            var (c, s) = (_chirpCos[k], sign * _chirpSin[k]);
            var (x, y) = (aRe[k] / m, aIm[k] / m);
            re[k] = (x * c) - (y * s);
            im[k] = (x * s) + (y * c);
        }
    }

    // The forward transform of the conjugate chirp, wrapped around the padded length: the convolution kernel.
    private (double[] Re, double[] Im) Kernel(int sign)
    {
        var m = _inner!.Length;
        var re = new double[m];
        var im = new double[m];
        for (var k = 0; k < Length; k++)
        {
            re[k] = _chirpCos[k];
            im[k] = -sign * _chirpSin[k];
            if (k > 0)
            {
                re[m - k] = re[k];
                im[m - k] = im[k];
            }
        }

        _inner.Forward(re, im);
        return (re, im);
    }

    private static uint ReverseBits(uint value)
    {
        value = ((value >> 1) & 0x55555555u) | ((value & 0x55555555u) << 1);
        value = ((value >> 2) & 0x33333333u) | ((value & 0x33333333u) << 2);
        value = ((value >> 4) & 0x0F0F0F0Fu) | ((value & 0x0F0F0F0Fu) << 4);
        value = ((value >> 8) & 0x00FF00FFu) | ((value & 0x00FF00FFu) << 8);
        return (value >> 16) | (value << 16);
    }
}
