// The namespaces most files of this project use, once (as eShop's services do).
global using System.Text.Json;
global using Imaging.Contracts;
global using Imaging.Dicom;
global using Imaging.ResultsApi.Auth;
global using Imaging.ResultsApi.Data;
global using Imaging.ResultsApi.Messaging;
global using Imaging.ResultsApi.OpenApi;
global using Imaging.ResultsApi.Storage;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.AspNetCore.Mvc;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.Extensions.Options;
global using Microsoft.OpenApi;
