using Imaging.WorkflowWorker.Reconstruction;

namespace WorkflowWorker.Tests;

/// <summary>The FFT against the O(n²) definition of the DFT, for powers of two and for Bluestein's other lengths.</summary>
public sealed class FftPlanTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(5)]
    [InlineData(8)]
    [InlineData(12)]
    [InlineData(17)]
    [InlineData(64)]
    [InlineData(100)]
    [InlineData(257)]
    public void Forward_and_inverse_equal_the_direct_DFT(int n)
    {
        var random = new Random(n);
        var re = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();
        var im = Enumerable.Range(0, n).Select(_ => random.NextDouble() - 0.5).ToArray();

        foreach (var sign in new[] { -1, +1 })
        {
            var (expectedRe, expectedIm) = Dft(re, im, sign);
            var (actualRe, actualIm) = ((double[])re.Clone(), (double[])im.Clone());
            if (sign < 0)
            {
                FftPlan.For(n).Forward(actualRe, actualIm);
            }
            else
            {
                FftPlan.For(n).Inverse(actualRe, actualIm);
            }

            for (var k = 0; k < n; k++)
            {
                Assert.Equal(expectedRe[k], actualRe[k], 1e-10 * n);
                Assert.Equal(expectedIm[k], actualIm[k], 1e-10 * n);
            }
        }
    }

    [Fact]
    public void A_plan_refuses_data_of_another_length() =>
        Assert.Throws<ArgumentException>(() => FftPlan.For(8).Forward(new double[7], new double[7]));

    private static (double[] Re, double[] Im) Dft(double[] re, double[] im, int sign)
    {
        var n = re.Length;
        var (outRe, outIm) = (new double[n], new double[n]);
        for (var k = 0; k < n; k++)
        {
            for (var t = 0; t < n; t++)
            {
                var (s, c) = Math.SinCos(sign * 2 * Math.PI * ((long)k * t % n) / n);
                outRe[k] += (re[t] * c) - (im[t] * s);
                outIm[k] += (re[t] * s) + (im[t] * c);
            }
        }

        return (outRe, outIm);
    }
}
