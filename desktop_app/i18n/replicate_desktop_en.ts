<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="en">
<context>
    <name>AppController</name>
    <message numerus="yes">
        <source>Recovered %n result(s) that finished while the app was closed.</source>
        <translation>
            <numerusform>Recovered %n result that finished while the app was closed.</numerusform>
            <numerusform>Recovered %n results that finished while the app was closed.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ChainBar</name>
    <message numerus="yes">
        <source>%n more</source>
        <translation>
            <numerusform>%n more</numerusform>
            <numerusform>%n more</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>GalleryFilterBar</name>
    <message numerus="yes">
        <source>%n output(s)</source>
        <translation>
            <numerusform>%n output</numerusform>
            <numerusform>%n outputs</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistoryListModel</name>
    <message numerus="yes">
        <source>%Ln messages</source>
        <translation>
            <numerusform>%Ln message</numerusform>
            <numerusform>%Ln messages</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistorySidebar</name>
    <message numerus="yes">
        <source>%Ln matches</source>
        <translation>
            <numerusform>%Ln match</numerusform>
            <numerusform>%Ln matches</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln conversations</source>
        <translation>
            <numerusform>%Ln conversation</numerusform>
            <numerusform>%Ln conversations</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>PresetsMenu</name>
    <message numerus="yes">
        <source>Exported %n preset(s) to {0}.</source>
        <translation>
            <numerusform>Exported %n preset to {0}.</numerusform>
            <numerusform>Exported %n presets to {0}.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Imported %n preset(s).</source>
        <translation>
            <numerusform>Imported %n preset.</numerusform>
            <numerusform>Imported %n presets.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueueEntry</name>
    <message numerus="yes">
        <source>The queue goes on with %n job(s) left from the last session.</source>
        <translation>
            <numerusform>The queue goes on with %n job left from the last session.</numerusform>
            <numerusform>The queue goes on with %n jobs left from the last session.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SelectionActions</name>
    <message numerus="yes">
        <source>Restored %n output(s).</source>
        <translation>
            <numerusform>Restored %n output.</numerusform>
            <numerusform>Restored %n outputs.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Copied %n file path(s).</source>
        <translation>
            <numerusform>Copied %n file path.</numerusform>
            <numerusform>Copied %n file paths.</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>Exported %n file(s) to {0}.</source>
        <translation>
            <numerusform>Exported %n file to {0}.</numerusform>
            <numerusform>Exported %n files to {0}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SpendView</name>
    <message numerus="yes">
        <source>%n run(s) have no price: say which hardware their model runs on in Prices and hardware.</source>
        <translation>
            <numerusform>%n run has no price: say which hardware its model runs on in Prices and hardware.</numerusform>
            <numerusform>%n runs have no price: say which hardware their model runs on in Prices and hardware.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>UndoBar</name>
    <message numerus="yes">
        <source>Deleted %n output(s).</source>
        <translation>
            <numerusform>Deleted %n output.</numerusform>
            <numerusform>Deleted %n outputs.</numerusform>
        </translation>
    </message>
</context>
</TS>
