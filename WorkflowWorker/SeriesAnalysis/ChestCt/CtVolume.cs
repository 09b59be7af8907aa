namespace Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

/// <summary>
/// A CT series as one volume of Hounsfield units (Rescale Slope and Intercept applied), its slices in order along the
/// patient's long axis, with the spacing of its voxels in millimetres. Voxel (column, row, slice) is at
/// <see cref="Index"/>. <see cref="LeftIsHigherColumn"/> says which side of the image is the patient's left (true for
/// the usual axial orientation, row direction 1\0\0).
/// </summary>
public sealed class CtVolume
{
    public CtVolume(float[] hounsfield, int columns, int rows, int slices, double columnSpacing, double rowSpacing, double sliceSpacing,
        bool leftIsHigherColumn = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(columns);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(rows);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(slices);
        if (hounsfield.Length != (long)columns * rows * slices)
        {
            throw new ArgumentException($"{hounsfield.Length} values for {columns}×{rows}×{slices} voxels.", nameof(hounsfield));
        }

        if (!(columnSpacing > 0 && rowSpacing > 0 && sliceSpacing > 0))
        {
            throw new ArgumentException("Voxel spacing must be positive.");
        }

        (Hounsfield, Columns, Rows, Slices) = (hounsfield, columns, rows, slices);
        (ColumnSpacing, RowSpacing, SliceSpacing, LeftIsHigherColumn) = (columnSpacing, rowSpacing, sliceSpacing, leftIsHigherColumn);
    }

    public float[] Hounsfield { get; }

    public int Columns { get; }

    public int Rows { get; }

    public int Slices { get; }

    /// <summary>Millimetres between neighbouring columns (the second value of Pixel Spacing).</summary>
    public double ColumnSpacing { get; }

    /// <summary>Millimetres between neighbouring rows (the first value of Pixel Spacing).</summary>
    public double RowSpacing { get; }

    /// <summary>Millimetres between neighbouring slices' positions.</summary>
    public double SliceSpacing { get; }

    public bool LeftIsHigherColumn { get; }

    public int SliceLength => Columns * Rows;

    public double VoxelMillilitres => ColumnSpacing * RowSpacing * SliceSpacing / 1000;

    public int Index(int column, int row, int slice) => (slice * Rows + row) * Columns + column;
}
