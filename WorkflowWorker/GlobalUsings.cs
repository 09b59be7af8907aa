// The namespaces most files of this project use, once (as eShop's services do).
global using Imaging.Contracts;
global using Imaging.Dicom;
global using Imaging.WorkflowWorker.ResultsApi;
global using Microsoft.Extensions.Options;
