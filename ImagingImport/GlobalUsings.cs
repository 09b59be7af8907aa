// The namespaces most files of this project use, once (as eShop's services do).
global using System.Text;
global using Imaging.ImagingImport.Tracking;
global using Imaging.ImagingImport.Xnat;
global using Microsoft.EntityFrameworkCore;
global using Microsoft.Extensions.Options;
