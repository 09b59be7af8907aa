namespace Imaging.Contracts.QualityTargets;

/// <summary>
/// A test target described as data: where each feature lies on the physical target (millimetres from its top-left
/// corner, y downwards) and what it should measure (CIELAB under D50). Measurement locates the target in an image by
/// its fiducial marks and reads every other feature through that geometry.
/// </summary>
public sealed record QualityTarget(
    string Id,
    string Name,
    string Description,
    double WidthMm,
    double HeightMm,
    double[] BackgroundLab,
    IReadOnlyList<TargetPatch> GreyScale,
    IReadOnlyList<TargetPatch> ColourPatches,
    IReadOnlyList<SlantedEdge> SlantedEdges,
    IReadOnlyList<UniformField> UniformFields,
    FiducialMarks Fiducials);

/// <summary>An axis-aligned rectangle on the target, in millimetres.</summary>
public sealed record TargetRect(double X, double Y, double Width, double Height)
{
    public double CentreX => X + Width / 2;

    public double CentreY => Y + Height / 2;

    public bool Contains(double x, double y) => x >= X && x < X + Width && y >= Y && y < Y + Height;
}

/// <summary>A patch with its reference colour. Grey-scale steps are listed from lightest to darkest.</summary>
public sealed record TargetPatch(string Name, TargetRect Region, double[] Lab);

/// <summary>
/// A region split by a straight edge through its centre: dark before the edge, light after it. A "vertical" edge is
/// turned <see cref="AngleDegrees"/> clockwise from vertical (dark on the left); a "horizontal" one the same from
/// horizontal (dark on top). ISO 12233 asks for a few degrees, so that rows sample the edge at every phase.
/// </summary>
public sealed record SlantedEdge(string Name, TargetRect Region, string Orientation, double AngleDegrees, double[] DarkLab, double[] LightLab)
{
    public bool IsVertical => Orientation == "vertical";

    /// <summary>Signed distance in millimetres from the edge (positive on the light side).</summary>
    public double SignedDistance(double x, double y)
    {
        var angle = AngleDegrees * Math.PI / 180;
        var (dx, dy) = (x - Region.CentreX, y - Region.CentreY);
        // The normal points to the light side: +x for a vertical edge, +y for a horizontal one, turned by the angle.
        return IsVertical ? dx * Math.Cos(angle) - dy * Math.Sin(angle) : dy * Math.Cos(angle) + dx * Math.Sin(angle);
    }
}

/// <summary>A uniform field, named "white", "gray" or "black", for shading, noise and line outliers.</summary>
public sealed record UniformField(string Name, TargetRect Region, double[] Lab);

/// <summary>Round marks whose centres fix the target's position, scale and geometric distortion in an image.</summary>
public sealed record FiducialMarks(double RadiusMm, double[] Lab, IReadOnlyList<TargetPoint> Centres);

public sealed record TargetPoint(double X, double Y);
