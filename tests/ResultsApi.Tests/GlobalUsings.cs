// The namespaces most files of this project use, once (as eShop's services do).
global using System.Net;
global using System.Net.Http.Headers;
global using System.Net.Http.Json;
global using System.Text;
global using System.Text.Json;
global using Imaging.Dicom;
global using Imaging.ResultsApi.Data;
global using Imaging.TestSupport;
global using Microsoft.AspNetCore.Hosting;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.Extensions.DependencyInjection;
