using Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

namespace WorkflowWorker.Tests.ChestCt;

/// <summary>A ball of tissue of given HU inside a lung: a nodule (solid) or an emphysema region (near air).</summary>
public sealed record PhantomBall(double X, double Y, double Z, double DiameterMm, float Hounsfield);

/// <summary>
/// A synthetic chest CT with known truth, in mm about the middle of the image (x towards higher columns, the patient's
/// left; z up the slices): an elliptic body of soft tissue (40 HU) in air, two ellipsoid lungs of −850 HU, balls in
/// them (nodules of +30 HU, an emphysema region of −980 HU), and optionally a trachea of air with two main bronchi
/// reaching into the lungs (which then touch through them). Gaussian noise of the given SD, from a fixed seed.
/// </summary>
public sealed class ChestPhantom
{
    public int Size { get; init; } = 160;

    public double PixelMm { get; init; } = 2;

    public double SliceMm { get; init; } = 2.5;

    public double HeightMm { get; init; } = 260;

    public double NoiseSd { get; init; } = 20;

    public bool WithAirways { get; init; } = true;

    public (double X, double Y, double Z, double A, double B, double C) RightLung { get; init; } = (-62, 0, 120, 48, 70, 95);

    public (double X, double Y, double Z, double A, double B, double C) LeftLung { get; init; } = (62, 0, 120, 42, 68, 90);

    public IReadOnlyList<PhantomBall> Balls { get; init; } = Standard;

    public static IReadOnlyList<PhantomBall> Standard { get; } =
    [
        new(-62, 15, 150, 40, -980),   // emphysema in the right upper lung
        new(-60, -35, 80, 16, 30),
        new(60, 25, 150, 10, 30),
        new(66, -30, 95, 6, 30),
    ];

    public static IReadOnlyList<PhantomBall> NoNodules { get; } = [new(-62, 15, 150, 40, -980)];

    public int Slices => (int)Math.Round(HeightMm / SliceMm);

    public static double EllipsoidMl((double X, double Y, double Z, double A, double B, double C) e) => 4.0 / 3 * Math.PI * e.A * e.B * e.C / 1000;

    public static double BallMl(PhantomBall b) => Math.PI / 6 * Math.Pow(b.DiameterMm, 3) / 1000;

    public IEnumerable<PhantomBall> Nodules => Balls.Where(b => b.Hounsfield > -400);

    public double TrueLaa950Percent => 100 * Balls.Where(b => b.Hounsfield < -950).Sum(BallMl) / (EllipsoidMl(RightLung) + EllipsoidMl(LeftLung));

    public double TrueMeanLungDensity
    {
        get
        {
            var total = EllipsoidMl(RightLung) + EllipsoidMl(LeftLung);
            return (-850 * (total - Balls.Sum(BallMl)) + Balls.Sum(b => b.Hounsfield * BallMl(b))) / total;
        }
    }

    public CtVolume Build()
    {
        var slices = Slices;
        var hu = new float[Size * Size * slices];
        var random = new Random(20261207);
        for (var s = 0; s < slices; s++)
        {
            var z = (s + 0.5) * SliceMm;
            for (var r = 0; r < Size; r++)
            {
                var y = (r - Size / 2.0 + 0.5) * PixelMm;
                for (var c = 0; c < Size; c++)
                {
                    var x = (c - Size / 2.0 + 0.5) * PixelMm;
                    hu[(s * Size + r) * Size + c] = (float)(Value(x, y, z) + NoiseSd * Gaussian(random));
                }
            }
        }

        return new CtVolume(hu, Size, Size, slices, PixelMm, PixelMm, SliceMm);
    }

    /// <summary>The lungs' truth on the grid <see cref="Build"/> samples: inside either lung and not an airway.</summary>
    public bool[] LungTruth()
    {
        var truth = new bool[Size * Size * Slices];
        for (var s = 0; s < Slices; s++)
        {
            var z = (s + 0.5) * SliceMm;
            for (var r = 0; r < Size; r++)
            {
                var y = (r - Size / 2.0 + 0.5) * PixelMm;
                for (var c = 0; c < Size; c++)
                {
                    var x = (c - Size / 2.0 + 0.5) * PixelMm;
                    truth[(s * Size + r) * Size + c] = (Inside(RightLung, x, y, z) || Inside(LeftLung, x, y, z)) && !(WithAirways && IsAirway(x, y, z));
                }
            }
        }

        return truth;
    }

    private double Value(double x, double y, double z)
    {
        if (Sq(x / 150) + Sq(y / 110) > 1)
        {
            return -1000;
        }

        if (WithAirways && IsAirway(x, y, z))
        {
            return -1000;
        }

        if (!Inside(RightLung, x, y, z) && !Inside(LeftLung, x, y, z))
        {
            return 40;
        }

        foreach (var ball in Balls)
        {
            if (Sq(x - ball.X) + Sq(y - ball.Y) + Sq(z - ball.Z) <= Sq(ball.DiameterMm / 2))
            {
                return ball.Hounsfield;
            }
        }

        return -850;
    }

    // The trachea (radius 9 mm) down the middle from the top to z = 170, then a bronchus (radius 6 mm) to each lung.
    private static bool IsAirway(double x, double y, double z)
    {
        const double carina = 170, trachea = 9, bronchus = 6;
        if (z >= carina && Sq(x) + Sq(y + 10) <= Sq(trachea))
        {
            return true;
        }

        // Bronchi: straight from the carina (0, -10, 170) out and down to (±40, -10, 140).
        foreach (var side in new[] { -1.0, 1.0 })
        {
            var (dx, dz) = (40.0 * side, -30.0);
            var t = Math.Clamp((x * dx + (z - carina) * dz) / (dx * dx + dz * dz), 0, 1);
            if (Sq(x - t * dx) + Sq(y + 10) + Sq(z - carina - t * dz) <= Sq(bronchus))
            {
                return true;
            }
        }

        return false;
    }

    private static bool Inside((double X, double Y, double Z, double A, double B, double C) e, double x, double y, double z) =>
        Sq((x - e.X) / e.A) + Sq((y - e.Y) / e.B) + Sq((z - e.Z) / e.C) <= 1;

    private static double Sq(double v) => v * v;

    private static double Gaussian(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
