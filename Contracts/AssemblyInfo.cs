// Message contracts live here, one record per file, in the Imaging.Contracts namespace; RawData/ holds the
// raw-data format a RecoJob refers to, read both where it is accepted (ResultsApi) and where it is used (the worker).
[assembly: System.CLSCompliant(false)]
