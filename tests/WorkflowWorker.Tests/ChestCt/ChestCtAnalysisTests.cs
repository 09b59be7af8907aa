using Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

namespace WorkflowWorker.Tests.ChestCt;

/// <summary>
/// The quantitative chest CT analysis on phantoms with known truth: volumes within 5%, %LAA-950 within 1 point, the mean
/// lung density within 10 HU, every nodule found with its diameter within 1.5 mm and none where there is none, from
/// thin to thick slices, with noise and with the airways joining the lungs.
/// </summary>
public sealed class ChestCtAnalysisTests
{
    [Theory]
    [InlineData(0.6, 20)]
    [InlineData(1.25, 20)]
    [InlineData(2.5, 40)]
    [InlineData(5.0, 20)]
    public void A_phantom_s_lungs_emphysema_and_nodules_are_measured_within_their_tolerances(double sliceMm, double noise)
    {
        var phantom = new ChestPhantom { SliceMm = sliceMm, NoiseSd = noise };

        var (findings, reason) = ChestCtAnalysis.Analyse(phantom.Build());

        Assert.True(findings is not null, reason);
        var (right, left) = (ChestPhantom.EllipsoidMl(phantom.RightLung), ChestPhantom.EllipsoidMl(phantom.LeftLung));
        Within(right + left, findings.Lungs.VolumeMl, 0.05 * (right + left), "total lung volume (mL)");
        Within(right, findings.Right.VolumeMl, 0.05 * right, "right lung volume (mL)");
        Within(left, findings.Left.VolumeMl, 0.05 * left, "left lung volume (mL)");
        Within(phantom.TrueLaa950Percent, findings.Lungs.Laa950Percent, 1, "%LAA-950");
        Within(0, findings.Left.Laa950Percent, 1, "%LAA-950 of the left lung, which has no emphysema");
        Within(phantom.TrueMeanLungDensity, findings.Lungs.MeanDensityHu, 10, "mean lung density (HU)");

        var truth = phantom.Nodules.OrderByDescending(n => n.DiameterMm).ToList();
        Assert.Equal(truth.Count, findings.Nodules.Count);
        foreach (var (expected, found) in truth.Zip(findings.Nodules))
        {
            Within(expected.DiameterMm, found.LongestDiameterMm, 1.5, $"diameter of the {expected.DiameterMm} mm nodule");
            if (expected.DiameterMm >= 10)
            {
                // A nodule a few voxels across has no meaningful volume at thick slices; its diameter is checked above.
                Within(ChestPhantom.BallMl(expected), found.VolumeMl, 0.3 * ChestPhantom.BallMl(expected), $"volume of the {expected.DiameterMm} mm nodule (mL)");
            }

            var x = (found.CentreColumn - phantom.Size / 2.0 + 0.5) * phantom.PixelMm;
            var z = (found.CentreSlice + 0.5) * phantom.SliceMm;
            Within(expected.X, x, 2, "nodule centre x (mm)");
            Within(expected.Z, z, Math.Max(2, sliceMm), "nodule centre z (mm)");
            Assert.Equal(expected.X < 0 ? "right" : "left", found.Lung);
            Within(expected.Z, (found.KeySlice + 0.5) * phantom.SliceMm, sliceMm, "key slice (mm)");
        }
    }

    [Fact]
    public void A_phantom_without_nodules_gets_no_nodule_and_lungs_apart_without_airways_are_measured_alike()
    {
        var phantom = new ChestPhantom { Balls = ChestPhantom.NoNodules, WithAirways = false, NoiseSd = 30 };

        var (findings, reason) = ChestCtAnalysis.Analyse(phantom.Build());

        Assert.True(findings is not null, reason);
        Assert.Empty(findings.Nodules);
        var total = ChestPhantom.EllipsoidMl(phantom.RightLung) + ChestPhantom.EllipsoidMl(phantom.LeftLung);
        Within(total, findings.Lungs.VolumeMl, 0.05 * total, "total lung volume (mL)");
        Within(phantom.TrueLaa950Percent, findings.Lungs.Laa950Percent, 1, "%LAA-950");
    }

    [Fact]
    public void A_CT_with_no_lungs_in_it_is_refused_with_the_reason()
    {
        // A head: a body of tissue with a sinus of air, far smaller than a lung.
        var phantom = new ChestPhantom
        {
            Balls = [],
            WithAirways = false,
            RightLung = (-20, 0, 120, 10, 10, 10),
            LeftLung = (20, 0, 120, 8, 8, 8),
        };

        var (findings, reason) = ChestCtAnalysis.Analyse(phantom.Build());

        Assert.Null(findings);
        Assert.StartsWith("No lung found: the largest body of air inside the patient is", reason, StringComparison.Ordinal);
    }

    private static void Within(double expected, double actual, double tolerance, string what) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance, $"{what}: {actual:0.###}, expected {expected:0.###} ± {tolerance:0.###}");
}
