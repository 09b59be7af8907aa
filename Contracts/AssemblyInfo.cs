// Message contracts live here, one record per file, in the Imaging.Contracts namespace.
[assembly: System.CLSCompliant(false)]
