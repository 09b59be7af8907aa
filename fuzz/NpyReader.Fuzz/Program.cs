using Imaging.Contracts.RawData;
using SharpFuzz;

// Every input must either read into k-space whose planes match its shape, or fail with RawDataException, the one
// error the worker turns into a task's ERROR reason. Anything else (another exception, a hang, a crash) is a finding.
Fuzzer.OutOfProcess.Run(stream =>
{
    var input = new MemoryStream();
    stream.CopyTo(input);
    try
    {
        // A small value bound keeps each run quick; the bound is the same check the worker makes with its own.
        var kspace = KSpace.FromNpy(input.ToArray(), maxValues: 1 << 16);
        var count = (long)kspace.Slices * kspace.Coils * kspace.Rows * kspace.Columns;
        if (count != kspace.Real.Length || count != kspace.Imaginary.Length)
        {
            throw new InvalidOperationException($"Shape {kspace.Slices}x{kspace.Coils}x{kspace.Rows}x{kspace.Columns} does not match {kspace.Real.Length} values.");
        }
    }
    catch (RawDataException)
    {
    }
});
