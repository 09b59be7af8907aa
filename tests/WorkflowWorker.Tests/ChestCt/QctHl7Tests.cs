using System.Text.Json;
using Imaging.TestSupport;
using Imaging.WorkflowWorker.SeriesAnalysis.ChestCt;

namespace WorkflowWorker.Tests.ChestCt;

/// <summary>The qCT ORU^R01 read back by python-hl7: the patient, the order, one OBX per measurement, and escaped text.</summary>
public sealed class QctHl7Tests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("qct-hl7-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public void The_message_names_the_patient_and_holds_one_observation_per_measurement()
    {
        var report = new QctReport("qct", "1.2.3", "1.2.4", "ACC|7^x", 1, new DateTimeOffset(2026, 12, 7, 12, 0, 0, TimeSpan.Zero), 52, [2.5, 2.5, 5],
            new LungFigures(2414.5, 1.23, -850.8), new LungFigures(1337.8, 2.05, -851.8), new LungFigures(1076.7, 0, -849.5),
            [new QctNodule(1, "right", 16.6, 2.08, [-60, -35, 80], 16, "1.2.5", "key-01.dcm"), new QctNodule(2, "left", 9.8, 0.5, [60, 25, 150], 30, "1.2.6", "key-02.dcm")],
            "Critical", "1 nodule candidate(s) of 8 mm or more (largest 16.6 mm)", ["sc-0001.dcm"], ["key-01.dcm", "key-02.dcm"]);
        var message = QctHl7.Write(report, new QctPatient("QCT-PHANTOM", "Phantom^Chest", "19600101", "O", "20261207"), "0123456789ABCDEF0123", report.AnalysedAt);
        var file = Path.Combine(_folder, "report.hl7");
        File.WriteAllText(file, message);

        using var read = JsonDocument.Parse(ExternalTool.Run("/usr/bin/python3", Path.Combine(AppContext.BaseDirectory, "Oracle", "hl7_read.py"), file));
        var root = read.RootElement;

        Assert.Equal(("ORU^R01^ORU_R01", "2.5", "0123456789ABCDEF0123"), (root.GetProperty("type").GetString(), root.GetProperty("version").GetString(),
            root.GetProperty("control_id").GetString()));
        Assert.Equal(("QCT-PHANTOM", "Phantom", "Chest"), (root.GetProperty("patient_id").GetString(), root.GetProperty("family").GetString(), root.GetProperty("given").GetString()));
        // The accession number's '|' and '^' travel escaped and come back as they were.
        Assert.Equal(("ACC\\F\\7\\S\\x", "QCT", "CT", "F"), (root.GetProperty("accession").GetString(), root.GetProperty("service").GetString(),
            root.GetProperty("diagnostic_section").GetString(), root.GetProperty("status").GetString()));
        var observations = root.GetProperty("observations").EnumerateArray()
            .Select(o => (Set: o.GetProperty("set_id").GetString(), Code: o.GetProperty("code").GetString(), Sub: o.GetProperty("sub_id").GetString(),
                Value: o.GetProperty("value").GetString(), Unit: o.GetProperty("unit").GetString(), Status: o.GetProperty("status").GetString())).ToList();
        Assert.Equal(
        [
            ("1", "LUNGVOL", "", "2414.5", "mL", "F"), ("2", "RLUNGVOL", "", "1337.8", "mL", "F"), ("3", "LLUNGVOL", "", "1076.7", "mL", "F"),
            ("4", "LAA950", "", "1.23", "%", "F"), ("5", "MLD", "", "-850.8", "[hnsf'U]", "F"), ("6", "NODCOUNT", "", "2", "", "F"),
            ("7", "NODDIAM", "1", "16.6", "mm", "F"), ("8", "NODVOL", "1", "2.08", "mL", "F"), ("9", "NODDIAM", "2", "9.8", "mm", "F"),
            ("10", "NODVOL", "2", "0.5", "mL", "F"), ("11", "TRIAGE", "", "Critical: 1 nodule candidate(s) of 8 mm or more (largest 16.6 mm)", "", "F"),
        ], observations);
    }
}
