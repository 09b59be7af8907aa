namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>Connected parts of a voxel mask: 3-D with faces touching (6-connected), and the hole filling of each slice.</summary>
public static class VoxelComponents
{
    /// <summary>Labels 1..n for the 6-connected components of <paramref name="mask"/> (0 outside it) and each one's voxel count (index = label).</summary>
    public static (int[] Labels, List<int> Sizes) Label(bool[] mask, int columns, int rows, int slices)
    {
        var labels = new int[mask.Length];
        List<int> sizes = [0];
        var stack = new Stack<int>();
        var sliceLength = columns * rows;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || labels[start] != 0)
            {
                continue;
            }

            var label = sizes.Count;
            var size = 0;
            labels[start] = label;
            stack.Push(start);
            while (stack.TryPop(out var at))
            {
                size++;
                var column = at % columns;
                var row = at / columns % rows;
                var slice = at / sliceLength;
                Visit(column > 0, at - 1);
                Visit(column < columns - 1, at + 1);
                Visit(row > 0, at - columns);
                Visit(row < rows - 1, at + columns);
                Visit(slice > 0, at - sliceLength);
                Visit(slice < slices - 1, at + sliceLength);
            }

            sizes.Add(size);

            void Visit(bool inside, int next)
            {
                if (inside && mask[next] && labels[next] == 0)
                {
                    labels[next] = label;
                    stack.Push(next);
                }
            }
        }

        return (labels, sizes);
    }

    /// <summary>
    /// Per slice, what <paramref name="mask"/> encloses: every voxel outside it that cannot reach the slice's border
    /// through voxels outside it (4-connected) is set. Returns the filled copy.
    /// </summary>
    public static bool[] FillHolesPerSlice(bool[] mask, int columns, int rows, int slices)
    {
        var filled = (bool[])mask.Clone();
        var sliceLength = columns * rows;
        var reached = new bool[sliceLength];
        var stack = new Stack<int>();
        for (var slice = 0; slice < slices; slice++)
        {
            var offset = slice * sliceLength;
            Array.Clear(reached);
            for (var column = 0; column < columns; column++)
            {
                Seed(column);
                Seed((rows - 1) * columns + column);
            }

            for (var row = 0; row < rows; row++)
            {
                Seed(row * columns);
                Seed(row * columns + columns - 1);
            }

            while (stack.TryPop(out var at))
            {
                var (column, row) = (at % columns, at / columns);
                SeedIf(column > 0, at - 1);
                SeedIf(column < columns - 1, at + 1);
                SeedIf(row > 0, at - columns);
                SeedIf(row < rows - 1, at + columns);
            }

            for (var i = 0; i < sliceLength; i++)
            {
                if (!reached[i])
                {
                    filled[offset + i] = true;
                }
            }

            void SeedIf(bool inside, int at)
            {
                if (inside)
                {
                    Seed(at);
                }
            }

            void Seed(int at)
            {
                if (!reached[at] && !mask[offset + at])
                {
                    reached[at] = true;
                    stack.Push(at);
                }
            }
        }

        return filled;
    }
}
