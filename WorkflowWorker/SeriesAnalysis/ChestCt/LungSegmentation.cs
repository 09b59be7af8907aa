namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>
/// The lungs found in a chest CT: each lung's region (its air with what it encloses in each slice: vessels, nodules),
/// its air alone, and the large airways taken out of both. <see cref="Smoothed"/> is the volume after a 3×3 in-plane
/// mean, on which the thresholds are taken so that image noise neither opens nor closes the masks.
/// </summary>
public sealed record Lungs(bool[] RightRegion, bool[] LeftRegion, bool[] Air, bool[] Airways, float[] Smoothed);

/// <summary>
/// Classic lung segmentation: air inside the body (below −400 HU after smoothing, not reachable from the image's
/// border within its slice), the trachea and main bronchi grown from the trachea's lumen and taken out, then the two
/// largest connected parts as the lungs (or one part split at the mediastinum where the lungs touch), each filled in
/// per slice. Returns null with a reason when no lung is found (not a chest CT).
/// </summary>
public static class LungSegmentation
{
    /// <summary>Below this (smoothed) a voxel is air or lung.</summary>
    public const float AirThreshold = -400;

    /// <summary>The lumen of an airway is air; lung tissue around it is denser.</summary>
    public const float AirwayLumenThreshold = -900;

    /// <summary>A lung is at least this big; sinus or bowel gas is smaller.</summary>
    public const double MinimumLungMillilitres = 150;

    /// <summary>The trachea's cross-section, in mm²: from a child's to a wide adult trachea.</summary>
    private const double TracheaMinArea = 50, TracheaMaxArea = 600;

    public static (Lungs? Lungs, string? Reason) Segment(CtVolume volume)
    {
        var smoothed = SmoothInPlane(volume);
        var air = new bool[smoothed.Length];
        for (var i = 0; i < air.Length; i++)
        {
            air[i] = smoothed[i] < AirThreshold;
        }

        // Tissue with what it encloses in its slice is the body: air in it is inside the patient.
        var body = VoxelComponents.FillHolesPerSlice(Not(air), volume.Columns, volume.Rows, volume.Slices);
        var inside = new bool[air.Length];
        for (var i = 0; i < air.Length; i++)
        {
            inside[i] = air[i] && body[i];
        }

        var airways = Airways(volume, smoothed, inside, body);
        for (var i = 0; i < inside.Length; i++)
        {
            inside[i] &= !airways[i];
        }

        var (labels, sizes) = VoxelComponents.Label(inside, volume.Columns, volume.Rows, volume.Slices);
        var minimum = (int)Math.Ceiling(MinimumLungMillilitres / volume.VoxelMillilitres);
        var large = Enumerable.Range(1, sizes.Count - 1).Where(l => sizes[l] >= minimum).OrderByDescending(l => sizes[l]).Take(2).ToList();
        if (large.Count == 0)
        {
            var biggest = sizes.Count > 1 ? sizes.Skip(1).Max() * volume.VoxelMillilitres : 0;
            return (null, $"No lung found: the largest body of air inside the patient is {biggest:0.#} mL, under {MinimumLungMillilitres:0} mL (not a chest CT?)");
        }

        var (first, second) = (new bool[inside.Length], new bool[inside.Length]);
        if (large.Count == 2)
        {
            for (var i = 0; i < labels.Length; i++)
            {
                first[i] = labels[i] == large[0];
                second[i] = labels[i] == large[1];
            }
        }
        else
        {
            // One part: the lungs touch (or the airways joining them were not all taken out): split at the column of the
            // middle third with the fewest lung voxels, the mediastinum.
            var perColumn = new int[volume.Columns];
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] == large[0])
                {
                    perColumn[i % volume.Columns]++;
                }
            }

            var occupied = Enumerable.Range(0, volume.Columns).Where(c => perColumn[c] > 0).ToList();
            var (low, high) = (occupied[0], occupied[^1]);
            var third = (high - low) / 3;
            var split = Enumerable.Range(low + third, Math.Max(1, high - low - 2 * third)).MinBy(c => perColumn[c]);
            for (var i = 0; i < labels.Length; i++)
            {
                if (labels[i] == large[0])
                {
                    (i % volume.Columns < split ? first : second)[i] = true;
                }
            }

            if (!second.Contains(true) || !first.Contains(true))
            {
                return (null, "Only one lung found");
            }
        }

        // The patient's left is on the side of higher columns in the usual orientation.
        var firstIsLower = MeanColumn(first, volume.Columns) < MeanColumn(second, volume.Columns);
        var (lowerColumns, higherColumns) = firstIsLower ? (first, second) : (second, first);
        var (left, right) = volume.LeftIsHigherColumn ? (higherColumns, lowerColumns) : (lowerColumns, higherColumns);
        var lungAir = new bool[inside.Length];
        for (var i = 0; i < lungAir.Length; i++)
        {
            lungAir[i] = left[i] || right[i];
        }

        return (new Lungs(VoxelComponents.FillHolesPerSlice(right, volume.Columns, volume.Rows, volume.Slices),
            VoxelComponents.FillHolesPerSlice(left, volume.Columns, volume.Rows, volume.Slices), lungAir, airways, smoothed), null);
    }

    /// <summary>A 3×3 mean within each slice (edges averaged over the neighbours there are): noise down by about three, no blur across slices.</summary>
    public static float[] SmoothInPlane(CtVolume volume)
    {
        var (columns, rows) = (volume.Columns, volume.Rows);
        var source = volume.Hounsfield;
        var across = new float[source.Length];
        var result = new float[source.Length];
        for (var line = 0; line < source.Length / columns; line++)
        {
            var o = line * columns;
            for (var c = 0; c < columns; c++)
            {
                var (from, to) = (Math.Max(0, c - 1), Math.Min(columns - 1, c + 1));
                float sum = 0;
                for (var k = from; k <= to; k++)
                {
                    sum += source[o + k];
                }

                across[o + c] = sum / (to - from + 1);
            }
        }

        for (var slice = 0; slice < volume.Slices; slice++)
        {
            var o = slice * volume.SliceLength;
            for (var r = 0; r < rows; r++)
            {
                var (from, to) = (Math.Max(0, r - 1), Math.Min(rows - 1, r + 1));
                for (var c = 0; c < columns; c++)
                {
                    float sum = 0;
                    for (var k = from; k <= to; k++)
                    {
                        sum += across[o + k * columns + c];
                    }

                    result[o + r * columns + c] = sum / (to - from + 1);
                }
            }
        }

        return result;
    }

    /// <summary>
    /// The trachea and main bronchi: a small round part of pure air near the body's middle in the top slices with air,
    /// grown slice by slice through air as dark as a lumen, up to the neck and down until its cross-section spreads
    /// (the carina, or the lung it would leak into).
    /// </summary>
    private static bool[] Airways(CtVolume volume, float[] smoothed, bool[] inside, bool[] body)
    {
        var airways = new bool[inside.Length];
        var pixelArea = volume.ColumnSpacing * volume.RowSpacing;
        var topWithAir = Enumerable.Range(0, volume.Slices).Reverse().FirstOrDefault(s => Enumerable.Range(s * volume.SliceLength, volume.SliceLength).Any(i => inside[i]), -1);
        if (topWithAir < 0)
        {
            return airways;
        }

        // Look for the trachea over the top 40 mm that have air.
        var searchSlices = Math.Max(1, (int)Math.Ceiling(40 / volume.SliceSpacing));
        for (var slice = topWithAir; slice >= Math.Max(0, topWithAir - searchSlices); slice--)
        {
            var bodyColumns = Enumerable.Range(0, volume.SliceLength).Where(p => body[slice * volume.SliceLength + p]).Select(p => p % volume.Columns).ToList();
            if (bodyColumns.Count == 0)
            {
                continue;
            }

            var middle = (bodyColumns.Min() + bodyColumns.Max()) / 2.0;
            var width = bodyColumns.Max() - bodyColumns.Min() + 1;
            foreach (var part in SliceParts(volume, slice, p => inside[p] && smoothed[p] < AirwayLumenThreshold))
            {
                var area = part.Count * pixelArea;
                var centre = part.Average(p => p % volume.Columns);
                if (area is >= TracheaMinArea and <= TracheaMaxArea && Math.Abs(centre - middle) <= 0.15 * width)
                {
                    Grow(volume, smoothed, inside, airways, part, slice, up: true, pixelArea);
                    Grow(volume, smoothed, inside, airways, part, slice, up: false, pixelArea);
                    return WithWallShell(volume, airways, inside);
                }
            }
        }

        return airways;
    }

    private static void Grow(CtVolume volume, float[] smoothed, bool[] inside, bool[] airways, List<int> seed, int seedSlice, bool up, double pixelArea)
    {
        var current = seed;
        foreach (var p in current)
        {
            airways[p] = true;
        }

        bool Lumen(int p) => inside[p] && smoothed[p] < AirwayLumenThreshold;
        var step = (up ? 1 : -1) * volume.SliceLength;
        for (var slice = seedSlice + (up ? 1 : -1); slice >= 0 && slice < volume.Slices && current.Count > 0; slice += up ? 1 : -1)
        {
            // Each part of the next slice that continues an airway: kept unless its cross-section spreads (a leak into
            // lung as dark as a lumen, such as emphysema), where that branch ends.
            var starts = current.Select(p => p + step).Where(Lumen).ToHashSet();
            List<int> next = [];
            while (starts.Count > 0)
            {
                var part = Flood(volume, [starts.First()], Lumen);
                var continued = part.Count(starts.Remove);
                if (part.Count * pixelArea <= TracheaMaxArea * 1.5 && part.Count <= 2.5 * Math.Max(continued, 4))
                {
                    next.AddRange(part);
                }
            }

            foreach (var p in next)
            {
                airways[p] = true;
            }

            current = next;
        }
    }

    /// <summary>
    /// The airways with the ring of voxels around their lumen that are air only in part (lumen and wall averaged), which
    /// would otherwise remain as a thin tube of air joining the lungs.
    /// </summary>
    private static bool[] WithWallShell(CtVolume volume, bool[] airways, bool[] inside)
    {
        var widened = (bool[])airways.Clone();
        for (var p = 0; p < airways.Length; p++)
        {
            if (!airways[p])
            {
                continue;
            }

            var (column, row) = (p % volume.Columns, p / volume.Columns % volume.Rows);
            for (var dr = -1; dr <= 1; dr++)
            {
                for (var dc = -1; dc <= 1; dc++)
                {
                    var (c, r) = (column + dc, row + dr);
                    if (c >= 0 && c < volume.Columns && r >= 0 && r < volume.Rows && inside[p + dr * volume.Columns + dc])
                    {
                        widened[p + dr * volume.Columns + dc] = true;
                    }
                }
            }
        }

        return widened;
    }

    /// <summary>The 4-connected parts of one slice that satisfy <paramref name="member"/>, as voxel indices.</summary>
    private static IEnumerable<List<int>> SliceParts(CtVolume volume, int slice, Func<int, bool> member)
    {
        var seen = new HashSet<int>();
        for (var p = slice * volume.SliceLength; p < (slice + 1) * volume.SliceLength; p++)
        {
            if (member(p) && !seen.Contains(p))
            {
                var part = Flood(volume, [p], member);
                seen.UnionWith(part);
                yield return part;
            }
        }
    }

    private static List<int> Flood(CtVolume volume, List<int> starts, Func<int, bool> member)
    {
        var seen = new HashSet<int>(starts);
        var stack = new Stack<int>(starts);
        while (stack.TryPop(out var p))
        {
            var (column, row) = (p % volume.Columns, p / volume.Columns % volume.Rows);
            foreach (var (ok, next) in new[] { (column > 0, p - 1), (column < volume.Columns - 1, p + 1), (row > 0, p - volume.Columns), (row < volume.Rows - 1, p + volume.Columns) })
            {
                if (ok && member(next) && seen.Add(next))
                {
                    stack.Push(next);
                }
            }
        }

        return [.. seen];
    }

    private static bool[] Not(bool[] mask)
    {
        var result = new bool[mask.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            result[i] = !mask[i];
        }

        return result;
    }

    private static double MeanColumn(bool[] mask, int columns)
    {
        long sum = 0, count = 0;
        for (var i = 0; i < mask.Length; i++)
        {
            if (mask[i])
            {
                sum += i % columns;
                count++;
            }
        }

        return count == 0 ? 0 : (double)sum / count;
    }
}
