namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>One lung's figures: its volume (mL), the share of it below −950 HU (%LAA-950) and its mean density (HU).</summary>
public sealed record LungFigures(double VolumeMl, double Laa950Percent, double MeanDensityHu);

/// <summary>
/// A nodule candidate: its centre (column, row, slice, fractional), the slice that shows most of it (the key slice),
/// its longest diameter (mm) and volume (mL), the lung it lies in ("right" or "left") and its voxels (indices into the volume).
/// </summary>
public sealed record NoduleFinding(int Number, double CentreColumn, double CentreRow, double CentreSlice, int KeySlice, double LongestDiameterMm,
    double VolumeMl, string Lung, IReadOnlyList<int> Voxels);

/// <summary>What a quantitative chest CT analysis found: both lungs together, each lung, and the nodule candidates.</summary>
public sealed record ChestCtFindings(LungFigures Lungs, LungFigures Right, LungFigures Left, IReadOnlyList<NoduleFinding> Nodules);

/// <summary>
/// Quantitative chest CT: lung volumes, the emphysema index %LAA-950 (the share of lung voxels below −950 HU, strictly,
/// taken on the in-plane smoothed image so that noise neither adds nor hides low-attenuation voxels), the mean lung
/// density (on the image as it is), and solid, roughly round nodule candidates of 4–30 mm enclosed by the lung.
/// </summary>
public static class ChestCtAnalysis
{
    public const float EmphysemaThreshold = -950;

    /// <summary>Inside a lung, denser than this is tissue: a nodule or a vessel.</summary>
    public const float SolidThreshold = -400;

    public const double MinimumNoduleMm = 4, MaximumNoduleMm = 30;

    /// <summary>A candidate's volume over that of a sphere as wide as its longest diameter: 1 for a ball, far less for a vessel.</summary>
    public const double MinimumRoundness = 0.25;

    public static (ChestCtFindings? Findings, string? Reason) Analyse(CtVolume volume)
    {
        var (lungs, reason) = LungSegmentation.Segment(volume);
        return lungs is null ? (null, reason) : (Measure(volume, lungs), null);
    }

    /// <summary>The figures and nodules of lungs already segmented.</summary>
    public static ChestCtFindings Measure(CtVolume volume, Lungs lungs)
    {
        var both = new bool[lungs.RightRegion.Length];
        for (var i = 0; i < both.Length; i++)
        {
            both[i] = lungs.RightRegion[i] || lungs.LeftRegion[i];
        }

        var nodules = Nodules(volume, lungs);
        return new ChestCtFindings(Figures(volume, lungs, both), Figures(volume, lungs, lungs.RightRegion), Figures(volume, lungs, lungs.LeftRegion), nodules);
    }

    private static LungFigures Figures(CtVolume volume, Lungs lungs, bool[] region)
    {
        long count = 0, low = 0;
        double sum = 0;
        for (var i = 0; i < region.Length; i++)
        {
            if (region[i])
            {
                count++;
                sum += volume.Hounsfield[i];
                if (lungs.Smoothed[i] < EmphysemaThreshold)
                {
                    low++;
                }
            }
        }

        return count == 0 ? new LungFigures(0, 0, 0) : new LungFigures(count * volume.VoxelMillilitres, 100.0 * low / count, sum / count);
    }

    private static List<NoduleFinding> Nodules(CtVolume volume, Lungs lungs)
    {
        // Solid voxels in the lung, on the image as it is (a nodule a few voxels wide is air in the smoothed one): nodules and vessels.
        var solid = new bool[lungs.Air.Length];
        for (var i = 0; i < solid.Length; i++)
        {
            solid[i] = (lungs.RightRegion[i] || lungs.LeftRegion[i]) && volume.Hounsfield[i] > SolidThreshold;
        }

        var (labels, sizes) = VoxelComponents.Label(solid, volume.Columns, volume.Rows, volume.Slices);
        var members = new List<int>[sizes.Count];
        for (var i = 0; i < labels.Length; i++)
        {
            if (labels[i] != 0)
            {
                (members[labels[i]] ??= []).Add(i);
            }
        }

        List<NoduleFinding> found = [];
        for (var label = 1; label < sizes.Count; label++)
        {
            var voxels = members[label];
            var volumeMl = voxels.Count * volume.VoxelMillilitres;
            var equivalent = Math.Cbrt(6 * volumeMl * 1000 / Math.PI);
            if (equivalent < MinimumNoduleMm * 0.75 || equivalent > MaximumNoduleMm * 1.5)
            {
                continue;
            }

            if (!EnclosedByLung(volume, lungs, labels, label, voxels))
            {
                // Tissue at the lung's edge, such as an airway's wall where it enters the lung, only enclosed within its slice.
                continue;
            }

            var bySlice = voxels.GroupBy(v => v / volume.SliceLength).ToList();
            var axial = bySlice.Max(s => LongestInSlice(volume, s.ToList()));
            // Across thick slices the widest cut may miss the centre: the ball of the same volume bounds it from below.
            var longest = Math.Max(axial, equivalent);
            var roundness = volumeMl * 1000 / (Math.PI / 6 * Math.Pow(longest, 3));
            if (longest < MinimumNoduleMm || longest > MaximumNoduleMm || roundness < MinimumRoundness)
            {
                continue;
            }

            // The key slice cuts through the centre, where a round nodule is widest.
            var centreSlice = voxels.Average(v => v / volume.SliceLength);
            var right = voxels.Count(v => lungs.RightRegion[v]);
            found.Add(new NoduleFinding(0, voxels.Average(v => v % volume.Columns), voxels.Average(v => v / volume.Columns % volume.Rows),
                centreSlice, (int)Math.Round(centreSlice), longest, volumeMl, right * 2 >= voxels.Count ? "right" : "left", voxels));
        }

        // Numbered largest first, as a report lists them.
        return [.. found.OrderByDescending(n => n.VolumeMl).Select((n, i) => n with { Number = i + 1 })];
    }

    /// <summary>Whether nine in ten of the voxels touching the candidate's faces, in 3-D, are lung: a nodule lies in the lung.</summary>
    private static bool EnclosedByLung(CtVolume volume, Lungs lungs, int[] labels, int label, List<int> voxels)
    {
        int around = 0, lung = 0;
        foreach (var p in voxels)
        {
            var (column, row, slice) = (p % volume.Columns, p / volume.Columns % volume.Rows, p / volume.SliceLength);
            Count(column > 0, p - 1);
            Count(column < volume.Columns - 1, p + 1);
            Count(row > 0, p - volume.Columns);
            Count(row < volume.Rows - 1, p + volume.Columns);
            Count(slice > 0, p - volume.SliceLength);
            Count(slice < volume.Slices - 1, p + volume.SliceLength);
        }

        return around > 0 && lung >= 0.9 * around;

        void Count(bool exists, int next)
        {
            if (!exists)
            {
                around++;
            }
            else if (labels[next] != label)
            {
                around++;
                if (lungs.RightRegion[next] || lungs.LeftRegion[next])
                {
                    lung++;
                }
            }
        }
    }

    /// <summary>
    /// The longest distance across a nodule's cut in one slice, in mm: between voxel centres, plus half a voxel, as the
    /// extreme voxels' centres lie on average that much inside the cut's edge, the two ends together.
    /// </summary>
    private static double LongestInSlice(CtVolume volume, List<int> voxels)
    {
        var points = voxels.Select(v => (X: v % volume.Columns * volume.ColumnSpacing, Y: v / volume.Columns % volume.Rows * volume.RowSpacing)).ToList();
        double longest = 0;
        for (var a = 0; a < points.Count; a++)
        {
            for (var b = a + 1; b < points.Count; b++)
            {
                var (dx, dy) = (points[a].X - points[b].X, points[a].Y - points[b].Y);
                longest = Math.Max(longest, dx * dx + dy * dy);
            }
        }

        return Math.Sqrt(longest) + (volume.ColumnSpacing + volume.RowSpacing) / 4;
    }
}
