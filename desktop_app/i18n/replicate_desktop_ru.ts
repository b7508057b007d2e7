<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="ru_RU">
<context>
    <name>AboutDialog</name>
    <message>
        <source>About Replicate Desktop</source>
        <translation>О программе Replicate Desktop</translation>
    </message>
    <message>
        <source>Replicate Desktop</source>
        <translation>Replicate Desktop</translation>
    </message>
    <message>
        <source>Version {version}</source>
        <translation>Версия {version}</translation>
    </message>
    <message>
        <source>Chat with text models and generate images with models hosted on Replicate.</source>
        <translation>Общайтесь с текстовыми моделями и создавайте изображения с помощью моделей, размещённых на Replicate.</translation>
    </message>
    <message>
        <source>Free software under the MIT licence.</source>
        <translation>Свободная программа под лицензией MIT.</translation>
    </message>
    <message>
        <source>Project homepage</source>
        <translation>Сайт проекта</translation>
    </message>
    <message>
        <source>Replicate API documentation</source>
        <translation>Документация API Replicate</translation>
    </message>
    <message>
        <source>Your Replicate API tokens</source>
        <translation>Ваши API-токены Replicate</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>не задана</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Открыть папку журналов</translation>
    </message>
    <message>
        <source>Copy versions</source>
        <translation>Копировать версии</translation>
    </message>
    <message>
        <source>Running on</source>
        <translation>Среда выполнения</translation>
    </message>
    <message>
        <source>Log folder</source>
        <translation>Папка журналов</translation>
    </message>
    <message>
        <source>not installed</source>
        <translation>не установлен</translation>
    </message>
</context>
<context>
    <name>AccountView</name>
    <message>
        <source>Not connected</source>
        <translation>Не подключено</translation>
    </message>
    <message>
        <source>Checking token…</source>
        <translation>Проверка токена…</translation>
    </message>
    <message>
        <source>Settings could not be saved: {}</source>
        <translation>Не удалось сохранить настройки: {}</translation>
    </message>
    <message>
        <source>Signed in as {}</source>
        <translation>Вход выполнен: {}</translation>
    </message>
    <message>
        <source>Token refused</source>
        <translation>Токен отклонён</translation>
    </message>
    <message>
        <source>Could not check the token</source>
        <translation>Не удалось проверить токен</translation>
    </message>
    <message>
        <source>The token could not be stored: {}</source>
        <translation>Не удалось сохранить токен: {}</translation>
    </message>
    <message>
        <source>environment variable REPLICATE_API_TOKEN</source>
        <translation>переменная окружения REPLICATE_API_TOKEN</translation>
    </message>
    <message>
        <source>saved in {}</source>
        <translation>сохранён в {}</translation>
    </message>
    <message>
        <source>not set</source>
        <translation>не задана</translation>
    </message>
</context>
<context>
    <name>AddToQueueDialog</name>
    <message>
        <source>Add to queue</source>
        <translation>Добавить в очередь</translation>
    </message>
    <message>
        <source>One prompt per line</source>
        <translation>Один запрос на строку</translation>
    </message>
    <message>
        <source>From a file…</source>
        <translation>Из файла…</translation>
    </message>
    <message>
        <source>A text file (one prompt per line) or a CSV file (a column per input)</source>
        <translation>Текстовый файл (один запрос на строку) или CSV-файл (по столбцу на параметр)</translation>
    </message>
    <message>
        <source>Vary the seed</source>
        <translation>Менять сид</translation>
    </message>
    <message>
        <source>Lock the seed</source>
        <translation>Закрепить сид</translation>
    </message>
    <message>
        <source>Input to vary, e.g. num_inference_steps (or model)</source>
        <translation>Изменяемый параметр, например num_inference_steps (или model)</translation>
    </message>
    <message>
        <source>Values, separated by commas</source>
        <translation>Значения через запятую</translation>
    </message>
    <message>
        <source>Folder…</source>
        <translation>Папка…</translation>
    </message>
    <message>
        <source>One job per image in a folder, given to the model&apos;s file input</source>
        <translation>По заданию на каждое изображение в папке, во входной файл модели</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Prompts</source>
        <translation>Запросы</translation>
    </message>
    <message>
        <source>Copies of each</source>
        <translation>Копий каждого</translation>
    </message>
    <message>
        <source>Seeds</source>
        <translation>Сиды</translation>
    </message>
    <message>
        <source>Matrix: input</source>
        <translation>Матрица: параметр</translation>
    </message>
    <message>
        <source>Matrix: values</source>
        <translation>Матрица: значения</translation>
    </message>
    <message>
        <source>Second input</source>
        <translation>Второй параметр</translation>
    </message>
    <message>
        <source>Its values</source>
        <translation>Его значения</translation>
    </message>
    <message>
        <source>Files</source>
        <translation>Файлы</translation>
    </message>
    <message>
        <source>Name the input the matrix varies.</source>
        <translation>Укажите параметр, который меняет матрица.</translation>
    </message>
    <message>
        <source>A folder of images</source>
        <translation>Папка с изображениями</translation>
    </message>
    <message>
        <source>This model has no file input to take a folder&apos;s images.</source>
        <translation>У этой модели нет входного файла для изображений из папки.</translation>
    </message>
    <message>
        <source>%1: %2 images, to %3</source>
        <translation>%1: изображений: %2, в %3</translation>
    </message>
    <message>
        <source>Prompts from a file</source>
        <translation>Запросы из файла</translation>
    </message>
    <message>
        <source>Prompts (*.txt *.csv)</source>
        <translation>Запросы (*.txt *.csv)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Все файлы (*)</translation>
    </message>
    <message>
        <source>%1: %2 rows</source>
        <translation>%1: строк — %2</translation>
    </message>
    <message>
        <source>Over budget: %1</source>
        <translation>Бюджет превышен: %1</translation>
    </message>
    <message>
        <source>Reading the other models&apos; inputs…</source>
        <translation>Читаю входные параметры других моделей…</translation>
    </message>
</context>
<context>
    <name>AppController</name>
    <message>
        <source>Stop the running reply before opening another conversation.</source>
        <translation>Остановите текущий ответ, прежде чем открывать другой чат.</translation>
    </message>
    <message>
        <source>Stopped; the prediction was canceled on Replicate.</source>
        <translation>Остановлено; запуск отменён на Replicate.</translation>
    </message>
    <message>
        <source>This reply was interrupted before it finished.</source>
        <translation>Этот ответ был прерван, не закончившись.</translation>
    </message>
    <message>
        <source>Saved {}</source>
        <translation>Сохранено: {}</translation>
    </message>
    <message>
        <source>The history could not be saved: {0}</source>
        <translation>Не удалось сохранить историю: {0}</translation>
    </message>
    <message>
        <source>Output file: {} ({}) — in the viewer, with Save and Open</source>
        <translation>Выходной файл: {} ({}) — в просмотрщике, с кнопками «Сохранить» и «Открыть»</translation>
    </message>
    <message numerus="yes">
        <source>Recovered %n result(s) that finished while the app was closed.</source>
        <translation>
            <numerusform>Восстановлен %n результат, завершённый, пока приложение было закрыто.</numerusform>
            <numerusform>Восстановлено %n результата, завершённых, пока приложение было закрыто.</numerusform>
            <numerusform>Восстановлено %n результатов, завершённых, пока приложение было закрыто.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>ArrayEditor</name>
    <message>
        <source>Comma-separated values</source>
        <translation>Значения через запятую</translation>
    </message>
</context>
<context>
    <name>CatalogueFlow</name>
    <message>
        <source>Find models</source>
        <translation>Поиск моделей</translation>
    </message>
    <message>
        <source>Added {} to your models.</source>
        <translation>Модель {} добавлена в ваши модели.</translation>
    </message>
</context>
<context>
    <name>CatalogueRunner</name>
    <message>
        <source> — showing the saved details</source>
        <translation> — показаны сохранённые сведения</translation>
    </message>
</context>
<context>
    <name>ChainBar</name>
    <message numerus="yes">
        <source>%n more</source>
        <translation>
            <numerusform>ещё %n</numerusform>
            <numerusform>ещё %n</numerusform>
            <numerusform>ещё %n</numerusform>
        </translation>
    </message>
    <message>
        <source>Made from:</source>
        <translation>Сделано из:</translation>
    </message>
    <message>
        <source>Each step was made from the one after it; click one to show it.</source>
        <translation>Каждый шаг сделан из следующего за ним; щёлкните шаг, чтобы его показать.</translation>
    </message>
</context>
<context>
    <name>ChatPane</name>
    <message>
        <source>Copy</source>
        <translation>Копировать</translation>
    </message>
    <message>
        <source>Copy this message</source>
        <translation>Копировать это сообщение</translation>
    </message>
    <message>
        <source>Regenerate last reply</source>
        <translation>Сгенерировать последний ответ заново</translation>
    </message>
    <message>
        <source>Select all</source>
        <translation>Выделить всё</translation>
    </message>
</context>
<context>
    <name>CogDialog</name>
    <message>
        <source>Local Cog model</source>
        <translation>Локальная модель Cog</translation>
    </message>
    <message>
        <source>Run a model on a local Cog server (cog serve, or docker run -p 5000:5000 …) instead of on Replicate. No API token is needed.</source>
        <translation>Запуск модели на локальном сервере Cog (cog serve или docker run -p 5000:5000 …) вместо Replicate. API-токен не нужен.</translation>
    </message>
    <message>
        <source>Server &amp;URL</source>
        <translation>&amp;Адрес сервера</translation>
    </message>
    <message>
        <source>&amp;Connect</source>
        <translation>&amp;Подключиться</translation>
    </message>
    <message>
        <source>Enter the server&apos;s address and press Connect.</source>
        <translation>Введите адрес сервера и нажмите «Подключиться».</translation>
    </message>
    <message>
        <source>Connection status</source>
        <translation>Состояние подключения</translation>
    </message>
    <message>
        <source>Setup logs</source>
        <translation>Журнал запуска</translation>
    </message>
    <message>
        <source>What a local Cog server cannot do</source>
        <translation>Чего не умеет локальный сервер Cog</translation>
    </message>
    <message>
        <source>&amp;Use this model</source>
        <translation>&amp;Использовать эту модель</translation>
    </message>
    <message>
        <source>Enter the server&apos;s address as http://host:port, for example {0}.</source>
        <translation>Введите адрес сервера в виде http://хост:порт, например {0}.</translation>
    </message>
    <message>
        <source>Connecting to {0}…</source>
        <translation>Подключение к {0}…</translation>
    </message>
    <message>
        <source>Stopped waiting for {0}.</source>
        <translation>Ожидание {0} остановлено.</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Готова к работе</translation>
    </message>
    <message>
        <source>The model is ready; reading its inputs…</source>
        <translation>Модель готова; читаю её параметры…</translation>
    </message>
    <message>
        <source>The model is up, but its health check fails ({0}); waiting… {1} s</source>
        <translation>Модель запущена, но её проверка состояния не проходит ({0}); ожидание… {1} с</translation>
    </message>
    <message>
        <source>Waiting for the model to start… {0} s</source>
        <translation>Ожидание запуска модели… {0} с</translation>
    </message>
    <message>
        <source>The model failed to set up (SETUP_FAILED); its setup logs are below.</source>
        <translation>Модель не смогла запуститься (SETUP_FAILED); журнал запуска — ниже.</translation>
    </message>
    <message>
        <source>The Cog server stopped working ({0}); its logs are below.</source>
        <translation>Сервер Cog перестал работать ({0}); журнал — ниже.</translation>
    </message>
    <message>
        <source>The model failed to set up ({0}), and the server sent no logs.</source>
        <translation>Модель не смогла запуститься ({0}), и сервер не прислал журнал.</translation>
    </message>
    <message>
        <source>The model was not ready within {0} s (still {1}); press Connect to wait again.</source>
        <translation>Модель не была готова за {0} с (всё ещё {1}); нажмите «Подключиться», чтобы подождать ещё.</translation>
    </message>
    <message>
        <source>Nothing answers at {0}. Is the Cog server running (cog serve, or docker run -p)?</source>
        <translation>По адресу {0} никто не отвечает. Запущен ли сервер Cog (cog serve или docker run -p)?</translation>
    </message>
    <message>
        <source>Something answers at {0}, but it is not a Cog server.</source>
        <translation>По адресу {0} что-то отвечает, но это не сервер Cog.</translation>
    </message>
</context>
<context>
    <name>CompareWindow</name>
    <message>
        <source>Compare models</source>
        <translation>Сравнение моделей</translation>
    </message>
    <message>
        <source>The prompt to put to every model</source>
        <translation>Запрос, который получит каждая модель</translation>
    </message>
    <message>
        <source>owner/model (optional)</source>
        <translation>владелец/модель (необязательно)</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>Сравнить</translation>
    </message>
</context>
<context>
    <name>Composer</name>
    <message>
        <source>Ask the model…</source>
        <translation>Спросите модель…</translation>
    </message>
    <message>
        <source>Enter sends, Shift+Enter adds a line</source>
        <translation>Enter — отправить, Shift+Enter — новая строка</translation>
    </message>
    <message>
        <source>Send</source>
        <translation>Отправить</translation>
    </message>
    <message>
        <source>Send the prompt (Enter)</source>
        <translation>Отправить запрос (Enter)</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Стоп</translation>
    </message>
    <message>
        <source>Attach…</source>
        <translation>Прикрепить…</translation>
    </message>
    <message>
        <source>Attach an image for models that take one (vision models, editors)</source>
        <translation>Прикрепить изображение для моделей, которые его принимают (зрение, редакторы)</translation>
    </message>
    <message>
        <source>Attach an image</source>
        <translation>Прикрепить изображение</translation>
    </message>
    <message>
        <source>Stop the reply (Esc)</source>
        <translation>Остановить ответ (Esc)</translation>
    </message>
    <message>
        <source>Type a prompt first</source>
        <translation>Сначала введите запрос</translation>
    </message>
    <message>
        <source>A reply is still coming: press Stop (Esc) first</source>
        <translation>Ответ ещё не закончен: сначала нажмите «Стоп» (Esc)</translation>
    </message>
</context>
<context>
    <name>CostText</name>
    <message>
        <source>~%1 (estimate)</source>
        <translation>~%1 (оценка)</translation>
    </message>
</context>
<context>
    <name>CostsWiring</name>
    <message>
        <source>Prices and hardware saved: costs are estimated with them.</source>
        <translation>Цены и оборудование сохранены: расходы оцениваются по ним.</translation>
    </message>
</context>
<context>
    <name>CrashDialog</name>
    <message>
        <source>The details are on the clipboard.</source>
        <translation>Подробности скопированы в буфер обмена.</translation>
    </message>
    <message>
        <source>Could not open {folder}</source>
        <translation>Не удалось открыть {folder}</translation>
    </message>
    <message>
        <source>Something went wrong</source>
        <translation>Что-то пошло не так</translation>
    </message>
    <message>
        <source>Replicate Desktop hit an unexpected problem. Your work is saved; you can keep going.</source>
        <translation>В Replicate Desktop произошла непредвиденная ошибка. Ваша работа сохранена, можно продолжать.</translation>
    </message>
    <message>
        <source>Details</source>
        <translation>Подробности</translation>
    </message>
    <message>
        <source>Copy details</source>
        <translation>Копировать подробности</translation>
    </message>
    <message>
        <source>Open log folder</source>
        <translation>Открыть папку журналов</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
    <message>
        <source>{count} problems so far; the latest: {summary}</source>
        <translation>Всего проблем: {count}; последняя: {summary}</translation>
    </message>
    <message>
        <source>── Problem {number} at {time} ──</source>
        <translation>── Проблема {number}, {time} ──</translation>
    </message>
    <message>
        <source>(happened {count} times)</source>
        <translation>(повторений: {count})</translation>
    </message>
    <message>
        <source>… and {count} more; the log file has them all.</source>
        <translation>… и ещё {count}; все они есть в файле журнала.</translation>
    </message>
    <message>
        <source>Hide the details</source>
        <translation>Скрыть подробности</translation>
    </message>
    <message>
        <source>Show the details</source>
        <translation>Показать подробности</translation>
    </message>
</context>
<context>
    <name>DeleteBar</name>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Delete “{0}”? The conversation and its images will be deleted from this computer.</source>
        <translation>Удалить «{0}»? Чат и его изображения будут удалены с этого компьютера.</translation>
    </message>
</context>
<context>
    <name>DestinationPage</name>
    <message>
        <source>Train into one of my models</source>
        <translation>Обучить в одну из моих моделей</translation>
    </message>
    <message>
        <source>Create a new private model</source>
        <translation>Создать новую приватную модель</translation>
    </message>
    <message>
        <source>your-user/model-name</source>
        <translation>ваш-логин/имя-модели</translation>
    </message>
    <message>
        <source>Name:</source>
        <translation>Имя:</translation>
    </message>
    <message>
        <source>Hardware to run it on:</source>
        <translation>Оборудование для запуска:</translation>
    </message>
    <message>
        <source>Description:</source>
        <translation>Описание:</translation>
    </message>
    <message>
        <source>The name is checked with Replicate before anything is created or paid for.</source>
        <translation>Имя проверяется в Replicate до того, как что-либо будет создано или оплачено.</translation>
    </message>
</context>
<context>
    <name>DetailPane</name>
    <message>
        <source>(no prompt)</source>
        <translation>(без запроса)</translation>
    </message>
    <message>
        <source>Loading…</source>
        <translation>Загрузка…</translation>
    </message>
    <message>
        <source>{0}
Plays in your system&apos;s player.</source>
        <translation>{0}
Воспроизводится в системном проигрывателе.</translation>
    </message>
    <message>
        <source>Open with system player</source>
        <translation>Открыть в системном проигрывателе</translation>
    </message>
    <message>
        <source>Open with default app</source>
        <translation>Открыть в приложении по умолчанию</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Version</source>
        <translation>Версия</translation>
    </message>
    <message>
        <source>Run time</source>
        <translation>Время работы</translation>
    </message>
    <message>
        <source>{0:.1f} s</source>
        <translation>{0:.1f} с</translation>
    </message>
    <message>
        <source>Prediction</source>
        <translation>Предсказание</translation>
    </message>
    <message>
        <source>Close the details</source>
        <translation>Закрыть подробности</translation>
    </message>
    <message>
        <source>Parameter</source>
        <translation>Параметр</translation>
    </message>
    <message>
        <source>Value</source>
        <translation>Значение</translation>
    </message>
    <message>
        <source>Use these settings again</source>
        <translation>Использовать эти настройки снова</translation>
    </message>
    <message>
        <source>Open conversation</source>
        <translation>Открыть беседу</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>Использовать</translation>
    </message>
    <message>
        <source>Use this picture as an input, paint a mask over it, or send it to another model</source>
        <translation>Сделать картинку входом модели, нарисовать на ней маску или отправить её в другую модель</translation>
    </message>
</context>
<context>
    <name>EntryActions</name>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <source>Rename</source>
        <translation>Переименовать</translation>
    </message>
    <message>
        <source>Use these settings again</source>
        <translation>Повторить с этими настройками</translation>
    </message>
    <message>
        <source>Copy parameters</source>
        <translation>Копировать параметры</translation>
    </message>
    <message>
        <source>Export as Markdown…</source>
        <translation>Экспорт в Markdown…</translation>
    </message>
    <message>
        <source>Export as JSON…</source>
        <translation>Экспорт в JSON…</translation>
    </message>
    <message>
        <source>Import…</source>
        <translation>Импорт…</translation>
    </message>
    <message>
        <source>Delete…</source>
        <translation>Удалить…</translation>
    </message>
</context>
<context>
    <name>EnumEditor</name>
    <message>
        <source>Not set</source>
        <translation>Не задано</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>A system error stopped the request: {0}.</source>
        <translation>Запрос прерван системной ошибкой: {0}.</translation>
    </message>
    <message>
        <source>Something unexpected went wrong ({0}). The details are in the log.</source>
        <translation>Произошла непредвиденная ошибка ({0}). Подробности — в журнале.</translation>
    </message>
    <message>
        <source>Some parameters need fixing first — {}</source>
        <translation>Сначала исправьте параметры — {}</translation>
    </message>
    <message>
        <source>Nothing was sent: the outputs could not be kept. {}</source>
        <translation>Ничего не отправлено: результаты негде сохранить. {}</translation>
    </message>
    <message>
        <source>No Replicate API token is set. Create one at {0} and set REPLICATE_API_TOKEN (or paste it in Settings).</source>
        <translation>API-токен Replicate не задан. Создайте его на {0} и задайте REPLICATE_API_TOKEN (или вставьте токен в настройках).</translation>
    </message>
    <message>
        <source>The prompt is empty: type something for the model to work on.</source>
        <translation>Запрос пуст: напишите, над чем работать модели.</translation>
    </message>
    <message>
        <source>Your Replicate API token was refused ({0}). Check the token in Settings.</source>
        <translation>Replicate отклонил ваш API-токен ({0}). Проверьте токен в настройках.</translation>
    </message>
    <message>
        <source>Replicate needs billing set up before it runs this model: {0}</source>
        <translation>Чтобы запускать эту модель, настройте оплату в Replicate: {0}</translation>
    </message>
    <message>
        <source>Not found on Replicate: {0}</source>
        <translation>Не найдено на Replicate: {0}</translation>
    </message>
    <message>
        <source> (fields: {0})</source>
        <translation> (поля: {0})</translation>
    </message>
    <message>
        <source>Replicate rejected the input: {0}</source>
        <translation>Replicate отклонил входные данные: {0}</translation>
    </message>
    <message>
        <source>Replicate is throttling requests: {0}</source>
        <translation>Replicate ограничивает частоту запросов: {0}</translation>
    </message>
    <message>
        <source>Replicate had a server error ({0}): {1}</source>
        <translation>Ошибка на сервере Replicate ({0}): {1}</translation>
    </message>
    <message>
        <source>Replicate answered {0}: {1}</source>
        <translation>Replicate ответил {0}: {1}</translation>
    </message>
    <message>
        <source>The model failed: {0}</source>
        <translation>Ошибка модели: {0}</translation>
    </message>
    <message>
        <source>The prediction was aborted before it started (its deadline passed).</source>
        <translation>Запуск прерван, не начавшись (истёк срок ожидания).</translation>
    </message>
    <message>
        <source>The prediction was stopped before it started: its deadline ({0}) passed while it waited for the model. Aborted runs are not charged.</source>
        <translation>Запуск остановлен, не начавшись: его срок ({0}) истёк, пока он ждал модель. Прерванные запуски не оплачиваются.</translation>
    </message>
    <message>
        <source>The prediction was canceled because its deadline ({0}) passed while it was running. Replicate charges for the time it ran.</source>
        <translation>Запуск отменён: его срок ({0}) истёк, пока модель работала. Replicate берёт плату за отработанное время.</translation>
    </message>
    <message>
        <source>The prediction was canceled because its deadline passed while it was running. Replicate charges for the time it ran.</source>
        <translation>Запуск отменён: его срок истёк, пока модель работала. Replicate берёт плату за отработанное время.</translation>
    </message>
    <message>
        <source>The prediction was canceled.</source>
        <translation>Запуск отменён.</translation>
    </message>
    <message>
        <source>The prediction was stopped before it started: its deadline passed while it waited for the model. Aborted runs are not charged.</source>
        <translation>Запуск остановлен, не начавшись: его срок истёк, пока он ждал модель. Прерванные запуски не оплачиваются.</translation>
    </message>
    <message>
        <source>No result after {0} attempts × {1} s = {2} s; the prediction may still finish on Replicate.</source>
        <translation>Результата нет после опроса ({0} × {1} с = {2} с); запуск ещё может завершиться на Replicate.</translation>
    </message>
</context>
<context>
    <name>FileCard</name>
    <message>
        <source>{0} file</source>
        <translation>Файл {0}</translation>
    </message>
    <message>
        <source>Open the file with its usual application</source>
        <translation>Открыть файл в программе, назначенной для него</translation>
    </message>
    <message>
        <source>This output has no file or address to open</source>
        <translation>У этого результата нет файла или адреса, который можно открыть</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Сохранить…</translation>
    </message>
    <message>
        <source>Save this file</source>
        <translation>Сохранить этот файл</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
</context>
<context>
    <name>FileEditor</name>
    <message>
        <source>Drop a file here, choose one, or paste a URL</source>
        <translation>Перетащите сюда файл, выберите его или вставьте URL</translation>
    </message>
    <message>
        <source>Choose…</source>
        <translation>Выбрать…</translation>
    </message>
    <message>
        <source>Choose %1</source>
        <translation>Выбор: %1</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</source>
        <translation>Изображения (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Все файлы (*)</translation>
    </message>
</context>
<context>
    <name>GalleryCell</name>
    <message>
        <source>Video</source>
        <translation>Видео</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Аудио</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>Изображение</translation>
    </message>
    <message>
        <source>File</source>
        <translation>Файл</translation>
    </message>
    <message>
        <source>Cannot show</source>
        <translation>Не удаётся показать</translation>
    </message>
</context>
<context>
    <name>GalleryFilterBar</name>
    <message>
        <source>All models</source>
        <translation>Все модели</translation>
    </message>
    <message>
        <source>{0} ({1})</source>
        <translation>{0} ({1})</translation>
    </message>
    <message numerus="yes">
        <source>%n output(s)</source>
        <translation>
            <numerusform>%n результат</numerusform>
            <numerusform>%n результата</numerusform>
            <numerusform>%n результатов</numerusform>
        </translation>
    </message>
    <message>
        <source>Search prompts</source>
        <translation>Поиск по запросам</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Kind</source>
        <translation>Тип</translation>
    </message>
    <message>
        <source>All kinds</source>
        <translation>Все типы</translation>
    </message>
    <message>
        <source>Images</source>
        <translation>Изображения</translation>
    </message>
    <message>
        <source>Videos</source>
        <translation>Видео</translation>
    </message>
    <message>
        <source>Audio</source>
        <translation>Аудио</translation>
    </message>
    <message>
        <source>Other files</source>
        <translation>Другие файлы</translation>
    </message>
    <message>
        <source>Date</source>
        <translation>Дата</translation>
    </message>
    <message>
        <source>Any time</source>
        <translation>За всё время</translation>
    </message>
    <message>
        <source>Today</source>
        <translation>Сегодня</translation>
    </message>
    <message>
        <source>Past 7 days</source>
        <translation>За 7 дней</translation>
    </message>
    <message>
        <source>Past 30 days</source>
        <translation>За 30 дней</translation>
    </message>
    <message>
        <source>Past year</source>
        <translation>За год</translation>
    </message>
    <message>
        <source>Between…</source>
        <translation>Между датами…</translation>
    </message>
    <message>
        <source>From</source>
        <translation>С</translation>
    </message>
    <message>
        <source>To</source>
        <translation>По</translation>
    </message>
    <message>
        <source>★ Favourites</source>
        <translation>★ Избранное</translation>
    </message>
    <message>
        <source>Show only favourites</source>
        <translation>Показывать только избранное</translation>
    </message>
    <message>
        <source>Hide rejected</source>
        <translation>Скрыть отклонённые</translation>
    </message>
    <message>
        <source>Order</source>
        <translation>Порядок</translation>
    </message>
    <message>
        <source>Newest first</source>
        <translation>Сначала новые</translation>
    </message>
    <message>
        <source>Oldest first</source>
        <translation>Сначала старые</translation>
    </message>
    <message>
        <source>By model</source>
        <translation>По модели</translation>
    </message>
</context>
<context>
    <name>GalleryGrid</name>
    <message>
        <source>The gallery could not be read: {0}</source>
        <translation>Не удалось прочитать галерею: {0}</translation>
    </message>
    <message>
        <source>(no prompt)</source>
        <translation>(без запроса)</translation>
    </message>
    <message>
        <source>favourite</source>
        <translation>избранное</translation>
    </message>
    <message>
        <source>rejected</source>
        <translation>отклонено</translation>
    </message>
    <message>
        <source>Open</source>
        <translation>Открыть</translation>
    </message>
    <message>
        <source>Favourite</source>
        <translation>В избранное</translation>
    </message>
    <message>
        <source>Reject</source>
        <translation>Отклонить</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Копировать</translation>
    </message>
    <message>
        <source>Export to folder…</source>
        <translation>Экспортировать в папку…</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>Удалить</translation>
    </message>
    <message>
        <source>Select all</source>
        <translation>Выделить всё</translation>
    </message>
</context>
<context>
    <name>GalleryPresenter</name>
    <message>
        <source>No outputs yet. Pictures, videos and sounds you generate are kept here.</source>
        <translation>Результатов пока нет. Здесь хранятся созданные вами изображения, видео и звуки.</translation>
    </message>
    <message>
        <source>Nothing matches these filters.</source>
        <translation>Ничего не подходит под эти фильтры.</translation>
    </message>
    <message>
        <source>Cannot show this picture: {0}</source>
        <translation>Не удаётся показать это изображение: {0}</translation>
    </message>
    <message>
        <source>The settings are in the main window, ready to run.</source>
        <translation>Настройки перенесены в главное окно и готовы к запуску.</translation>
    </message>
    <message>
        <source>The file is missing: {0}</source>
        <translation>Файл отсутствует: {0}</translation>
    </message>
    <message>
        <source>No program on this system opens {0}.</source>
        <translation>В системе нет программы, которая открывает {0}.</translation>
    </message>
</context>
<context>
    <name>GalleryThumbnails</name>
    <message>
        <source>the file is missing</source>
        <translation>файл отсутствует</translation>
    </message>
    <message>
        <source>not a picture Qt can read</source>
        <translation>это не изображение, которое может прочитать Qt</translation>
    </message>
    <message>
        <source>damaged</source>
        <translation>файл повреждён</translation>
    </message>
    <message>
        <source>no frame in time</source>
        <translation>кадр не получен вовремя</translation>
    </message>
    <message>
        <source>not a video Qt can play</source>
        <translation>это не видео, которое может воспроизвести Qt</translation>
    </message>
</context>
<context>
    <name>GalleryWindow</name>
    <message>
        <source>Something went wrong ({0}).</source>
        <translation>Что-то пошло не так ({0}).</translation>
    </message>
    <message>
        <source>Gallery — Replicate Desktop</source>
        <translation>Галерея — Replicate Desktop</translation>
    </message>
    <message>
        <source>Search prompts</source>
        <translation>Поиск по запросам</translation>
    </message>
    <message>
        <source>Close the details</source>
        <translation>Закрыть подробности</translation>
    </message>
</context>
<context>
    <name>GalleryWiring</name>
    <message>
        <source>&amp;Gallery</source>
        <translation>&amp;Галерея</translation>
    </message>
    <message>
        <source>Every kept output, from every conversation</source>
        <translation>Все сохранённые результаты из всех бесед</translation>
    </message>
    <message>
        <source>Use as input</source>
        <translation>Сделать входом модели</translation>
    </message>
    <message>
        <source>Paint a mask</source>
        <translation>Нарисовать маску</translation>
    </message>
    <message>
        <source>None known yet: choose a model once to learn its inputs</source>
        <translation>Пока неизвестны: выберите модель хотя бы раз, чтобы узнать её входы</translation>
    </message>
    <message>
        <source>Send to</source>
        <translation>Отправить в</translation>
    </message>
</context>
<context>
    <name>HardwarePrices</name>
    <message>
        <source>Hardware</source>
        <translation>Оборудование</translation>
    </message>
    <message>
        <source>SKU</source>
        <translation>Код (SKU)</translation>
    </message>
    <message>
        <source>$ per second</source>
        <translation>$ в секунду</translation>
    </message>
    <message>
        <source>$ per hour</source>
        <translation>$ в час</translation>
    </message>
</context>
<context>
    <name>HistoryDelegate</name>
    <message>
        <source>Untitled</source>
        <translation>Без названия</translation>
    </message>
    <message>
        <source>No messages</source>
        <translation>Нет сообщений</translation>
    </message>
    <message>
        <source>Conversation title</source>
        <translation>Название чата</translation>
    </message>
</context>
<context>
    <name>HistoryListModel</name>
    <message>
        <source>1 message</source>
        <translation>1 сообщение</translation>
    </message>
    <message numerus="yes">
        <source>%Ln messages</source>
        <translation>
            <numerusform>%Ln сообщение</numerusform>
            <numerusform>%Ln сообщения</numerusform>
            <numerusform>%Ln сообщений</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>HistorySidebar</name>
    <message>
        <source>History</source>
        <translation>История</translation>
    </message>
    <message>
        <source>+ New chat</source>
        <translation>+ Новый чат</translation>
    </message>
    <message>
        <source>Start a new conversation</source>
        <translation>Начать новый чат</translation>
    </message>
    <message>
        <source>New chat</source>
        <translation>Новый чат</translation>
    </message>
    <message>
        <source>More history actions</source>
        <translation>Другие действия с историей</translation>
    </message>
    <message>
        <source>Search conversations</source>
        <translation>Поиск по чатам</translation>
    </message>
    <message>
        <source>Conversations</source>
        <translation>Чаты</translation>
    </message>
    <message>
        <source>Could not read the history.
{0}</source>
        <translation>Не удалось прочитать историю.
{0}</translation>
    </message>
    <message>
        <source>Nothing matches “{0}”</source>
        <translation>По запросу «{0}» ничего не найдено</translation>
    </message>
    <message>
        <source>No conversations yet
Your chats and images will be listed here.</source>
        <translation>Чатов пока нет
Здесь появятся ваши чаты и изображения.</translation>
    </message>
    <message numerus="yes">
        <source>%Ln matches</source>
        <translation>
            <numerusform>%Ln совпадение</numerusform>
            <numerusform>%Ln совпадения</numerusform>
            <numerusform>%Ln совпадений</numerusform>
        </translation>
    </message>
    <message numerus="yes">
        <source>%Ln conversations</source>
        <translation>
            <numerusform>%Ln чат</numerusform>
            <numerusform>%Ln чата</numerusform>
            <numerusform>%Ln чатов</numerusform>
        </translation>
    </message>
    <message>
        <source>1 match</source>
        <translation>1 совпадение</translation>
    </message>
    <message>
        <source>1 conversation</source>
        <translation>1 чат</translation>
    </message>
    <message>
        <source>Just now</source>
        <translation>Только что</translation>
    </message>
    <message>
        <source>{0} min ago</source>
        <translation>{0} мин назад</translation>
    </message>
    <message>
        <source>{0} h ago</source>
        <translation>{0} ч назад</translation>
    </message>
    <message>
        <source>Yesterday</source>
        <translation>Вчера</translation>
    </message>
</context>
<context>
    <name>HistoryView</name>
    <message>
        <source>Export as Markdown into folder</source>
        <translation>Экспорт в Markdown: выберите папку</translation>
    </message>
    <message>
        <source>Export as JSON</source>
        <translation>Экспорт в JSON</translation>
    </message>
    <message>
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <source>Import a conversation</source>
        <translation>Импорт чата</translation>
    </message>
    <message>
        <source>Replicate Desktop export (*.json)</source>
        <translation>Экспорт Replicate Desktop (*.json)</translation>
    </message>
    <message>
        <source>Exported to {}</source>
        <translation>Экспортировано в {}</translation>
    </message>
    <message>
        <source>This conversation has no generation to reuse yet.</source>
        <translation>В этом чате пока нет генерации, которую можно повторить.</translation>
    </message>
    <message>
        <source>Parameters copied to the clipboard.</source>
        <translation>Параметры скопированы в буфер обмена.</translation>
    </message>
</context>
<context>
    <name>ImageDecoding</name>
    <message>
        <source>the download is empty</source>
        <translation>загруженный файл пуст</translation>
    </message>
    <message>
        <source>its format ({0}) is not supported</source>
        <translation>его формат ({0}) не поддерживается</translation>
    </message>
    <message>
        <source>the data is not in a supported image format</source>
        <translation>данные не в поддерживаемом формате изображения</translation>
    </message>
    <message>
        <source>the JPEG data is incomplete</source>
        <translation>данные JPEG неполные</translation>
    </message>
    <message>
        <source>the data is corrupt</source>
        <translation>данные повреждены</translation>
    </message>
    <message>
        <source>the {0} data is damaged or incomplete ({1})</source>
        <translation>данные {0} повреждены или неполные ({1})</translation>
    </message>
    <message>
        <source>unexpected error ({0})</source>
        <translation>непредвиденная ошибка ({0})</translation>
    </message>
</context>
<context>
    <name>ImageSaving</name>
    <message>
        <source>PNG image</source>
        <translation>Изображение PNG</translation>
    </message>
    <message>
        <source>JPEG image</source>
        <translation>Изображение JPEG</translation>
    </message>
    <message>
        <source>WebP image</source>
        <translation>Изображение WebP</translation>
    </message>
    <message>
        <source>GIF image</source>
        <translation>Изображение GIF</translation>
    </message>
    <message>
        <source>TIFF image</source>
        <translation>Изображение TIFF</translation>
    </message>
    <message>
        <source>BMP image</source>
        <translation>Изображение BMP</translation>
    </message>
    <message>
        <source>{0} image</source>
        <translation>Изображение {0}</translation>
    </message>
    <message>
        <source>“{0}” is not an image type this app can write</source>
        <translation>приложение не умеет записывать изображения типа «{0}»</translation>
    </message>
    <message>
        <source>converting to {0} failed ({1})</source>
        <translation>не удалось преобразовать в {0} ({1})</translation>
    </message>
    <message>
        <source>permission denied</source>
        <translation>доступ запрещён</translation>
    </message>
    <message>
        <source>the folder does not exist</source>
        <translation>папка не существует</translation>
    </message>
    <message>
        <source>the disk is full</source>
        <translation>диск заполнен</translation>
    </message>
    <message>
        <source>the disk quota is exceeded</source>
        <translation>превышена дисковая квота</translation>
    </message>
    <message>
        <source>the disk is read-only</source>
        <translation>диск доступен только для чтения</translation>
    </message>
    <message>
        <source>the file name is too long</source>
        <translation>слишком длинное имя файла</translation>
    </message>
    <message>
        <source>a folder with that name already exists</source>
        <translation>папка с таким именем уже существует</translation>
    </message>
    <message>
        <source>unknown error</source>
        <translation>неизвестная ошибка</translation>
    </message>
    <message>
        <source>Could not save “{0}” in {1}: {2}.</source>
        <translation>Не удалось сохранить «{0}» в {1}: {2}.</translation>
    </message>
</context>
<context>
    <name>ImageStatusPanel</name>
    <message>
        <source>Generated images appear here</source>
        <translation>Здесь появятся созданные изображения</translation>
    </message>
    <message>
        <source>Run an image model and its outputs will show up in this space.</source>
        <translation>Запустите модель изображений, и результаты появятся здесь.</translation>
    </message>
    <message>
        <source>Downloading image {0} of {1}…</source>
        <translation>Загрузка изображения {0} из {1}…</translation>
    </message>
    <message>
        <source>Downloading image…</source>
        <translation>Загрузка изображения…</translation>
    </message>
    <message>
        <source>{0} of {1}</source>
        <translation>{0} из {1}</translation>
    </message>
    <message>
        <source>Preparing image {0} of {1}…</source>
        <translation>Подготовка изображения {0} из {1}…</translation>
    </message>
    <message>
        <source>Preparing image…</source>
        <translation>Подготовка изображения…</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Повторить</translation>
    </message>
</context>
<context>
    <name>ImageToolbar</name>
    <message>
        <source>Fit</source>
        <translation>Вписать</translation>
    </message>
    <message>
        <source>Fit the image to the window</source>
        <translation>Вписать изображение в окно</translation>
    </message>
    <message>
        <source>100 %</source>
        <translation>100 %</translation>
    </message>
    <message>
        <source>Show the image at its actual size</source>
        <translation>Показать изображение в натуральную величину</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Уменьшить</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Увеличить</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Копировать</translation>
    </message>
    <message>
        <source>Copy the image to the clipboard</source>
        <translation>Копировать изображение в буфер обмена</translation>
    </message>
    <message>
        <source>Save…</source>
        <translation>Сохранить…</translation>
    </message>
    <message>
        <source>Save this image</source>
        <translation>Сохранить это изображение</translation>
    </message>
    <message>
        <source>Save all…</source>
        <translation>Сохранить все…</translation>
    </message>
    <message>
        <source>Save every image to a folder</source>
        <translation>Сохранить все изображения в папку</translation>
    </message>
    <message>
        <source>Open folder</source>
        <translation>Открыть папку</translation>
    </message>
    <message>
        <source>Show the last saved image in its folder</source>
        <translation>Показать последнее сохранённое изображение в папке</translation>
    </message>
    <message>
        <source>Save this file</source>
        <translation>Сохранить этот файл</translation>
    </message>
    <message>
        <source>{0} %</source>
        <translation>{0} %</translation>
    </message>
    <message>
        <source>More image actions</source>
        <translation>Другие действия с изображением</translation>
    </message>
</context>
<context>
    <name>ImageViewer</name>
    <message>
        <source>Something went wrong</source>
        <translation>Что-то пошло не так</translation>
    </message>
    <message>
        <source>Save image</source>
        <translation>Сохранить изображение</translation>
    </message>
    <message>
        <source>Save all images to folder</source>
        <translation>Сохранить все изображения в папку</translation>
    </message>
    <message>
        <source>Could not open {0}.</source>
        <translation>Не удалось открыть {0}.</translation>
    </message>
    <message>
        <source>{0} file</source>
        <translation>Файл {0}</translation>
    </message>
    <message>
        <source>All files (*)</source>
        <translation>Все файлы (*)</translation>
    </message>
    <message>
        <source>Save file</source>
        <translation>Сохранить файл</translation>
    </message>
    <message>
        <source>This image could not be decoded: {0}.</source>
        <translation>Не удалось декодировать изображение: {0}.</translation>
    </message>
    <message>
        <source>This image could not be decoded</source>
        <translation>Не удалось декодировать изображение</translation>
    </message>
</context>
<context>
    <name>InlinePlayer</name>
    <message>
        <source>Play</source>
        <translation>Воспроизвести</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Пауза</translation>
    </message>
</context>
<context>
    <name>LaneColumn</name>
    <message>
        <source>Continue with this one</source>
        <translation>Продолжить с этой</translation>
    </message>
    <message>
        <source>no price known (say which hardware it runs on in Queue → Prices and hardware…)</source>
        <translation>цена неизвестна (укажите её оборудование: Очередь → Цены и оборудование…)</translation>
    </message>
    <message>
        <source> (estimate)</source>
        <translation> (оценка)</translation>
    </message>
    <message>
        <source>First token: %1</source>
        <translation>Первый токен: %1</translation>
    </message>
    <message>
        <source>Tokens/s: %1</source>
        <translation>Токенов/с: %1</translation>
    </message>
    <message>
        <source>Total: %1</source>
        <translation>Всего: %1</translation>
    </message>
    <message>
        <source>Compute: %1</source>
        <translation>Вычисления: %1</translation>
    </message>
    <message>
        <source>Cost: %1</source>
        <translation>Стоимость: %1</translation>
    </message>
    <message>
        <source>Did not finish.</source>
        <translation>Не завершилась.</translation>
    </message>
</context>
<context>
    <name>Languages</name>
    <message>
        <source>System default</source>
        <translation>Как в системе</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Find models…</source>
        <translation>Найти модели…</translation>
    </message>
    <message>
        <source>Search Replicate&apos;s catalogue and browse collections</source>
        <translation>Поиск по каталогу Replicate и просмотр коллекций</translation>
    </message>
    <message>
        <source>Parameters</source>
        <translation>Параметры</translation>
    </message>
    <message>
        <source>Show the model&apos;s inputs besides the prompt</source>
        <translation>Показать входные параметры модели, кроме запроса</translation>
    </message>
    <message>
        <source>Replicate Desktop</source>
        <translation>Replicate Desktop</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>&amp;Вид</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>&amp;Файл</translation>
    </message>
    <message>
        <source>&amp;New chat</source>
        <translation>&amp;Новый чат</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>В&amp;ыход</translation>
    </message>
    <message>
        <source>Connect to a local &amp;Cog server…</source>
        <translation>Подключиться к локальному серверу &amp;Cog…</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>&amp;Правка</translation>
    </message>
    <message>
        <source>&amp;Copy image</source>
        <translation>&amp;Копировать изображение</translation>
    </message>
    <message>
        <source>&amp;Paste picture</source>
        <translation>Вст&amp;авить картинку</translation>
    </message>
    <message>
        <source>&amp;Settings…</source>
        <translation>&amp;Настройки…</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>&amp;Справка</translation>
    </message>
    <message>
        <source>Open &amp;log folder</source>
        <translation>Открыть папку &amp;журналов</translation>
    </message>
    <message>
        <source>&amp;About Replicate Desktop</source>
        <translation>&amp;О программе Replicate Desktop</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>Стоп</translation>
    </message>
    <message>
        <source>Focus prompt</source>
        <translation>Перейти к запросу</translation>
    </message>
</context>
<context>
    <name>MaskCanvas</name>
    <message>
        <source>Invert</source>
        <translation>Инверсия</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Очистка</translation>
    </message>
    <message>
        <source>Erase</source>
        <translation>Стирание</translation>
    </message>
    <message>
        <source>Paint</source>
        <translation>Мазок</translation>
    </message>
</context>
<context>
    <name>MaskPainter</name>
    <message>
        <source>Paint a mask</source>
        <translation>Рисование маски</translation>
    </message>
    <message>
        <source>Brush</source>
        <translation>Кисть</translation>
    </message>
    <message>
        <source>Paint what the model may change</source>
        <translation>Закрасьте то, что модель может изменить</translation>
    </message>
    <message>
        <source>Eraser</source>
        <translation>Ластик</translation>
    </message>
    <message>
        <source>Erase paint: the model keeps these parts</source>
        <translation>Стереть краску: эти места модель сохранит</translation>
    </message>
    <message>
        <source>Size</source>
        <translation>Размер</translation>
    </message>
    <message>
        <source>Brush size</source>
        <translation>Размер кисти</translation>
    </message>
    <message>
        <source> px</source>
        <translation> пикс.</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Отменить</translation>
    </message>
    <message>
        <source>Take back the last stroke, invert or clear</source>
        <translation>Отменить последний мазок, инверсию или очистку</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Do again what was taken back</source>
        <translation>Вернуть отменённое</translation>
    </message>
    <message>
        <source>Invert</source>
        <translation>Инвертировать</translation>
    </message>
    <message>
        <source>Paint what is not painted, and the reverse</source>
        <translation>Закрасить незакрашенное и наоборот</translation>
    </message>
    <message>
        <source>Clear</source>
        <translation>Очистить</translation>
    </message>
    <message>
        <source>Remove all the paint</source>
        <translation>Стереть всю краску</translation>
    </message>
    <message>
        <source>Fit</source>
        <translation>Вписать</translation>
    </message>
    <message>
        <source>Show the whole picture</source>
        <translation>Показать картинку целиком</translation>
    </message>
    <message>
        <source>Paint over what the model should change. Wheel: zoom · middle button or Space + drag: pan · [ and ]: brush size</source>
        <translation>Закрасьте то, что модель должна изменить. Колесо: масштаб · средняя кнопка или Пробел + перетаскивание: сдвиг · [ и ]: размер кисти</translation>
    </message>
    <message>
        <source>Use mask</source>
        <translation>Использовать маску</translation>
    </message>
    <message>
        <source>{0} % of the picture painted</source>
        <translation>Закрашено {0} % картинки</translation>
    </message>
</context>
<context>
    <name>ModelBrowser</name>
    <message>
        <source>All models</source>
        <translation>Все модели</translation>
    </message>
    <message>
        <source>Could not load the details: %1</source>
        <translation>Не удалось загрузить сведения: %1</translation>
    </message>
    <message>
        <source>Could not load the collections: %1</source>
        <translation>Не удалось загрузить коллекции: %1</translation>
    </message>
    <message>
        <source>Search failed: %1</source>
        <translation>Поиск не удался: %1</translation>
    </message>
    <message>
        <source>Could not open the collection: %1</source>
        <translation>Не удалось открыть коллекцию: %1</translation>
    </message>
    <message>
        <source> — showing the last results</source>
        <translation> — показаны последние результаты</translation>
    </message>
    <message>
        <source>Search models, e.g. “upscale” or “llama”</source>
        <translation>Поиск моделей, например «upscale» или «llama»</translation>
    </message>
    <message>
        <source>Browse a collection of models</source>
        <translation>Просмотреть коллекцию моделей</translation>
    </message>
    <message>
        <source>Load more</source>
        <translation>Загрузить ещё</translation>
    </message>
    <message>
        <source>This collection has no models.</source>
        <translation>В этой коллекции нет моделей.</translation>
    </message>
    <message>
        <source>Results for “%1”</source>
        <translation>Результаты по запросу «%1»</translation>
    </message>
    <message>
        <source>No models match “%1”.</source>
        <translation>По запросу «%1» моделей не найдено.</translation>
    </message>
    <message>
        <source>Recently updated models</source>
        <translation>Недавно обновлённые модели</translation>
    </message>
    <message>
        <source>No models to show.</source>
        <translation>Нет моделей для показа.</translation>
    </message>
</context>
<context>
    <name>ModelCardView</name>
    <message>
        <source>%1 runs</source>
        <translation>Запусков: %1</translation>
    </message>
    <message>
        <source>1 run</source>
        <translation>1 запуск</translation>
    </message>
    <message>
        <source>Loading details…</source>
        <translation>Загрузка сведений…</translation>
    </message>
    <message>
        <source>Saved details from %1</source>
        <translation>Сохранённые сведения от %1</translation>
    </message>
    <message>
        <source>Choose a model to see its details.</source>
        <translation>Выберите модель, чтобы увидеть сведения о ней.</translation>
    </message>
    <message>
        <source>Pin this version</source>
        <translation>Закрепить эту версию</translation>
    </message>
    <message>
        <source>Use exactly this version, even after the owner publishes a newer one. Unchecked, the model follows its latest version.</source>
        <translation>Использовать именно эту версию, даже когда владелец опубликует более новую. Если флажок снят, используется последняя версия модели.</translation>
    </message>
    <message>
        <source>Add to my models</source>
        <translation>Добавить в мои модели</translation>
    </message>
    <message>
        <source> · official</source>
        <translation> · официальная</translation>
    </message>
    <message>
        <source>No description.</source>
        <translation>Нет описания.</translation>
    </message>
    <message>
        <source>Latest version %1</source>
        <translation>Последняя версия %1</translation>
    </message>
    <message>
        <source>No published version</source>
        <translation>Нет опубликованной версии</translation>
    </message>
    <message>
        <source>Replicate page</source>
        <translation>Страница на Replicate</translation>
    </message>
    <message>
        <source>GitHub</source>
        <translation>GitHub</translation>
    </message>
    <message>
        <source>Paper</source>
        <translation>Статья</translation>
    </message>
    <message>
        <source>License</source>
        <translation>Лицензия</translation>
    </message>
    <message>
        <source>Inputs: %1</source>
        <translation>Входные параметры: %1</translation>
    </message>
</context>
<context>
    <name>ModelHardware</name>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Runs on</source>
        <translation>Работает на</translation>
    </message>
    <message>
        <source>Another model: owner/name</source>
        <translation>Другая модель: владелец/имя</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Добавить</translation>
    </message>
    <message>
        <source>“%1” is not a model name:
write it as owner/name, e.g. acme/upscaler.</source>
        <translation>«%1» — не имя модели:
напишите его как владелец/имя, например acme/upscaler.</translation>
    </message>
    <message>
        <source>%1 is billed per output
(see the official models below), not by hardware.</source>
        <translation>%1 оплачивается за результат
(см. официальные модели ниже), а не по оборудованию.</translation>
    </message>
    <message>
        <source>The model picked in the window runs on a Cog server of your own:
Replicate does not bill its runs.</source>
        <translation>Модель, выбранная в окне, работает на вашем собственном сервере Cog:
Replicate не берёт плату за её запуски.</translation>
    </message>
    <message>
        <source>%1, the model picked in the window, is billed per output
(see the official models below): it needs no hardware.</source>
        <translation>%1, модель, выбранная в окне, оплачивается за результат
(см. официальные модели ниже): оборудование ей не нужно.</translation>
    </message>
    <message>
        <source>%1 (picked in the window)</source>
        <translation>%1 (выбрана в окне)</translation>
    </message>
    <message>
        <source>Not known (its runs have no price)</source>
        <translation>Неизвестно (у запусков нет цены)</translation>
    </message>
    <message>
        <source>Hardware %1 runs on</source>
        <translation>Оборудование, на котором работает %1</translation>
    </message>
</context>
<context>
    <name>ModelInfo</name>
    <message>
        <source>Meta&apos;s 70-billion-parameter Llama 3, tuned for chat</source>
        <extracomment>The built-in models&apos; descriptions (``ModelInfo.description`` of the Qt-free core), marked here so that lupdate collects them; the picker shows them through ``QCoreApplication.translate(&quot;ModelInfo&quot;, description)``.</extracomment>
        <translation>Llama 3 от Meta на 70 млрд параметров, обученная для чата</translation>
    </message>
    <message>
        <source>Mistral&apos;s sparse mixture-of-experts instruction model</source>
        <translation>Разреженная инструктивная модель-«смесь экспертов» от Mistral</translation>
    </message>
    <message>
        <source>Google&apos;s small, fast 2B instruction-tuned model</source>
        <translation>Небольшая быстрая инструктивная модель Google на 2 млрд параметров</translation>
    </message>
    <message>
        <source>Vision-language chat model (LLaVA 13B)</source>
        <translation>Чат-модель, понимающая изображения (LLaVA 13B)</translation>
    </message>
    <message>
        <source>Fast text-to-image model from Black Forest Labs</source>
        <translation>Быстрая модель «текст в изображение» от Black Forest Labs</translation>
    </message>
    <message>
        <source>Stability AI&apos;s Stable Diffusion 3</source>
        <translation>Stable Diffusion 3 от Stability AI</translation>
    </message>
    <message>
        <source>SDXL-Lightning: high-quality images in 4 steps</source>
        <translation>SDXL-Lightning: качественные изображения за 4 шага</translation>
    </message>
    <message>
        <source>Playground v2.5: aesthetic 1024px images</source>
        <translation>Playground v2.5: эстетичные изображения 1024 px</translation>
    </message>
</context>
<context>
    <name>ModelPicker</name>
    <message>
        <source>The model that answers the next prompt</source>
        <translation>Модель, которая ответит на следующий запрос</translation>
    </message>
    <message>
        <source>Remove this custom model from the list</source>
        <translation>Убрать эту модель из вашего списка</translation>
    </message>
    <message>
        <source>Remove custom model</source>
        <translation>Убрать свою модель</translation>
    </message>
    <message>
        <source>owner/name or owner/name:version</source>
        <translation>владелец/модель или владелец/модель:версия</translation>
    </message>
    <message>
        <source>Add</source>
        <translation>Добавить</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Unknown model {0}: use one of the aliases ({1}) or a Replicate model as owner/name or owner/name:version.</source>
        <translation>Неизвестная модель {0}: укажите один из псевдонимов ({1}) или модель Replicate в виде владелец/модель или владелец/модель:версия.</translation>
    </message>
    <message>
        <source>Remove %1</source>
        <translation>Убрать %1</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Текст</translation>
    </message>
    <message>
        <source>Image</source>
        <translation>Изображения</translation>
    </message>
    <message>
        <source>Custom</source>
        <translation>Мои модели</translation>
    </message>
    <message>
        <source>Your model, pinned to a version</source>
        <translation>Ваша модель, закреплённая на версии</translation>
    </message>
    <message>
        <source>Your model</source>
        <translation>Ваша модель</translation>
    </message>
    <message>
        <source>Add model…</source>
        <translation>Добавить модель…</translation>
    </message>
    <message>
        <source>Use any Replicate model by its owner/name[:version]</source>
        <translation>Любая модель Replicate по имени владелец/модель[:версия]</translation>
    </message>
</context>
<context>
    <name>ModelPrices</name>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Billed</source>
        <translation>Оплата</translation>
    </message>
    <message>
        <source>$ each</source>
        <translation>$ за штуку</translation>
    </message>
    <message>
        <source>$ per 1M input tokens</source>
        <translation>$ за 1 млн входных токенов</translation>
    </message>
    <message>
        <source>$ per 1M output tokens</source>
        <translation>$ за 1 млн выходных токенов</translation>
    </message>
    <message>
        <source>per image</source>
        <translation>за изображение</translation>
    </message>
    <message>
        <source>per output</source>
        <translation>за результат</translation>
    </message>
    <message>
        <source>per token</source>
        <translation>за токен</translation>
    </message>
    <message>
        <source>per second of video</source>
        <translation>за секунду видео</translation>
    </message>
    <message>
        <source>%1 (input tokens)</source>
        <translation>%1 (входные токены)</translation>
    </message>
    <message>
        <source>%1 (output tokens)</source>
        <translation>%1 (выходные токены)</translation>
    </message>
</context>
<context>
    <name>ModelView</name>
    <message>
        <source>{} takes no image input; choose a vision or image-editing model first.</source>
        <translation>{} не принимает изображения; сначала выберите модель компьютерного зрения или редактирования изображений.</translation>
    </message>
    <message>
        <source>Attached {} (sent as “{}” with your next message)</source>
        <translation>Прикреплено: {} (будет отправлено как «{}» со следующим сообщением)</translation>
    </message>
    <message>
        <source>Model changed to {}</source>
        <translation>Модель изменена на {}</translation>
    </message>
    <message>
        <source>Attach an image</source>
        <translation>Прикрепить изображение</translation>
    </message>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</source>
        <translation>Изображения (*.png *.jpg *.jpeg *.webp *.gif *.bmp)</translation>
    </message>
</context>
<context>
    <name>NumberEditor</name>
    <message>
        <source>Not set</source>
        <translation>Не задано</translation>
    </message>
</context>
<context>
    <name>ParameterForm</name>
    <message>
        <source>Not shown: %1.</source>
        <translation>Не показаны: %1.</translation>
    </message>
    <message>
        <source>Some inputs of this model can&apos;t be shown as a form; edit them as JSON below.</source>
        <translation>Некоторые параметры этой модели нельзя показать в форме; измените их в JSON ниже.</translation>
    </message>
    <message>
        <source>%1: there is no file at %2.</source>
        <translation>%1: файла %2 не существует.</translation>
    </message>
    <message>
        <source>This model has no settings besides the prompt.</source>
        <translation>У этой модели нет параметров, кроме запроса.</translation>
    </message>
    <message>
        <source>Input as JSON (merged into the values above)</source>
        <translation>Параметры в JSON (дополняют значения выше)</translation>
    </message>
    <message>
        <source>{&quot;name&quot;: &quot;value&quot;}</source>
        <translation>{&quot;name&quot;: &quot;value&quot;}</translation>
    </message>
    <message>
        <source>Edit as JSON</source>
        <translation>Изменить в JSON</translation>
    </message>
    <message>
        <source>Show the JSON editor for inputs the form does not cover</source>
        <translation>Показать редактор JSON для параметров, которых нет в форме</translation>
    </message>
    <message>
        <source>Reset to defaults</source>
        <translation>Сбросить к значениям по умолчанию</translation>
    </message>
    <message>
        <source>Required</source>
        <translation>Обязательный параметр</translation>
    </message>
    <message>
        <source>This is not valid JSON: %1</source>
        <translation>Это некорректный JSON: %1</translation>
    </message>
    <message>
        <source>The JSON must be an object, like {&quot;name&quot;: &quot;value&quot;}.</source>
        <translation>JSON должен быть объектом, например {&quot;name&quot;: &quot;value&quot;}.</translation>
    </message>
</context>
<context>
    <name>PhotosPage</name>
    <message>
        <source>Photos from this computer</source>
        <translation>Фотографии с этого компьютера</translation>
    </message>
    <message>
        <source>The URL of a zip of photos</source>
        <translation>URL zip-архива с фотографиями</translation>
    </message>
    <message>
        <source>Choose a folder…</source>
        <translation>Выбрать папку…</translation>
    </message>
    <message>
        <source>Choose files…</source>
        <translation>Выбрать файлы…</translation>
    </message>
    <message>
        <source>Photos larger than 2048 pixels are made smaller (JPEG) before packing, so the zip stays under Replicate&apos;s 100 MB upload limit; a .txt file beside a photo is its caption.</source>
        <translation>Фотографии больше 2048 пикселей уменьшаются (JPEG) перед упаковкой, чтобы архив не превышал лимит загрузки Replicate в 100 МБ; файл .txt рядом с фотографией — её подпись.</translation>
    </message>
</context>
<context>
    <name>PictureActions</name>
    <message>
        <source>Use as input</source>
        <translation>Сделать входом модели</translation>
    </message>
    <message>
        <source>Put this image into the chosen model&apos;s image input</source>
        <translation>Подставить это изображение во вход выбранной модели</translation>
    </message>
    <message>
        <source>Paint a mask…</source>
        <translation>Нарисовать маску…</translation>
    </message>
    <message>
        <source>Paint what the chosen model should change in this image</source>
        <translation>Закрасить то, что выбранная модель должна изменить в этом изображении</translation>
    </message>
    <message>
        <source>Send to…</source>
        <translation>Отправить в…</translation>
    </message>
    <message>
        <source>Run this image through another model in one step</source>
        <translation>Обработать это изображение другой моделью за один шаг</translation>
    </message>
    <message>
        <source>Use</source>
        <translation>Использовать</translation>
    </message>
    <message>
        <source>Use this image as an input, paint a mask over it, or send it to another model</source>
        <translation>Сделать изображение входом модели, нарисовать на нём маску или отправить его в другую модель</translation>
    </message>
</context>
<context>
    <name>PictureBar</name>
    <message>
        <source>Restore model and settings</source>
        <translation>Восстановить модель и настройки</translation>
    </message>
    <message>
        <source>Paint a mask…</source>
        <translation>Нарисовать маску…</translation>
    </message>
    <message>
        <source>Use as input for {0}</source>
        <translation>Сделать входом {0}</translation>
    </message>
    <message>
        <source>Use as input for…</source>
        <translation>Сделать входом модели…</translation>
    </message>
    <message>
        <source>Other models…</source>
        <translation>Другие модели…</translation>
    </message>
    <message>
        <source>Picture brought in</source>
        <translation>Добавленная картинка</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Закрыть</translation>
    </message>
</context>
<context>
    <name>PictureTexts</name>
    <message>
        <source>This picture carries no generation settings.</source>
        <translation>В этой картинке нет настроек генерации.</translation>
    </message>
    <message>
        <source>Made with {0}, model {1}</source>
        <translation>Сделано в {0}, модель {1}</translation>
    </message>
    <message>
        <source>Made with {0}</source>
        <translation>Сделано в {0}</translation>
    </message>
    <message>
        <source>Prompt: {0}</source>
        <translation>Запрос: {0}</translation>
    </message>
    <message>
        <source>Restores: {0}</source>
        <translation>Восстановится: {0}</translation>
    </message>
    <message>
        <source>Not used (this model has no such input, or refuses the value): {0}</source>
        <translation>Не пригодится (у модели нет такого входа или она не примет значение): {0}</translation>
    </message>
    <message>
        <source>Choose {0} and put the picture&apos;s prompt and settings in its form</source>
        <translation>Выбрать {0} и перенести запрос и настройки картинки в её форму</translation>
    </message>
    <message>
        <source>Restored the settings for {0}; not used: {1}.</source>
        <translation>Настройки для {0} восстановлены; не пригодились: {1}.</translation>
    </message>
    <message>
        <source>Restored the settings for {0}.</source>
        <translation>Настройки для {0} восстановлены.</translation>
    </message>
    <message>
        <source>The settings go into {0}&apos;s form as soon as its inputs are loaded.</source>
        <translation>Настройки попадут в форму {0}, как только загрузятся её входы.</translation>
    </message>
    <message>
        <source>{0} goes to “{1}” of {2} with your next message.</source>
        <translation>{0} уйдёт во вход «{1}» модели {2} со следующим сообщением.</translation>
    </message>
    <message>
        <source>{0} goes to {1}&apos;s image input as soon as its inputs are loaded.</source>
        <translation>{0} попадёт во вход изображения {1}, как только загрузятся её входы.</translation>
    </message>
    <message>
        <source>The mask goes to “{0}” of {1} with your next message, and stays for retries.</source>
        <translation>Маска уйдёт во вход «{0}» модели {1} со следующим сообщением и останется для повторов.</translation>
    </message>
    <message>
        <source>{0} takes no picture; choose a model that does.</source>
        <translation>{0} не принимает картинки; выберите модель, которая принимает.</translation>
    </message>
    <message>
        <source>This cannot go to {0}: {1}</source>
        <translation>Это нельзя отправить в {0}: {1}</translation>
    </message>
    <message>
        <source>{0} has no mask input; choose an inpainting model to paint a mask for.</source>
        <translation>У {0} нет входа для маски; выберите модель для дорисовки (inpainting).</translation>
    </message>
    <message>
        <source>The inputs of {0} are not loaded yet; try again in a moment.</source>
        <translation>Входы {0} ещё не загружены; попробуйте через мгновение.</translation>
    </message>
    <message>
        <source>The mask was kept, but {0}&apos;s form is no longer shown; choose it again.</source>
        <translation>Маска сохранена, но форма {0} уже не показана; выберите эту модель снова.</translation>
    </message>
    <message>
        <source>The form&apos;s “{0}” field cannot take {1}.</source>
        <translation>Поле формы «{0}» не принимает {1}.</translation>
    </message>
    <message>
        <source>{0} is not a picture this app can read (PNG, JPEG, WebP, GIF…).</source>
        <translation>{0} — не картинка, которую может прочитать приложение (PNG, JPEG, WebP, GIF…).</translation>
    </message>
    <message>
        <source>{0} cannot be read: {1}</source>
        <translation>Не удаётся прочитать {0}: {1}</translation>
    </message>
    <message>
        <source>The picture could not be kept for the run: {0}</source>
        <translation>Не удалось сохранить картинку для запуска: {0}</translation>
    </message>
    <message>
        <source>The clipboard holds no picture.</source>
        <translation>В буфере обмена нет картинки.</translation>
    </message>
    <message>
        <source>Only files on this computer and pictures can be brought in; save the picture first.</source>
        <translation>Добавить можно только файлы с этого компьютера и картинки; сначала сохраните картинку.</translation>
    </message>
</context>
<context>
    <name>PresetsMenu</name>
    <message>
        <source>The preset could not be applied: {0}</source>
        <translation>Не удалось применить набор: {0}</translation>
    </message>
    <message>
        <source>Applied “{0}”; this model no longer has: {1}.</source>
        <translation>Набор «{0}» применён; у модели больше нет: {1}.</translation>
    </message>
    <message>
        <source>Applied “{0}”.</source>
        <translation>Набор «{0}» применён.</translation>
    </message>
    <message>
        <source>The preset could not be saved: {0}</source>
        <translation>Не удалось сохранить набор: {0}</translation>
    </message>
    <message>
        <source>Saved “{0}” without {1} (files and secrets stay out of presets).</source>
        <translation>Набор «{0}» сохранён без {1} (файлы и секреты в наборы не попадают).</translation>
    </message>
    <message>
        <source>Saved “{0}”.</source>
        <translation>Набор «{0}» сохранён.</translation>
    </message>
    <message>
        <source>Renamed “{0}” to “{1}”.</source>
        <translation>Набор «{0}» переименован в «{1}».</translation>
    </message>
    <message>
        <source>Deleted “{0}”.</source>
        <translation>Набор «{0}» удалён.</translation>
    </message>
    <message>
        <source>“{0}” no longer starts the form.</source>
        <translation>Форма больше не начинается с набора «{0}».</translation>
    </message>
    <message>
        <source>“{0}” now starts this model&apos;s form.</source>
        <translation>Теперь форма этой модели начинается с набора «{0}».</translation>
    </message>
    <message>
        <source>The presets could not be exported: {0}</source>
        <translation>Не удалось экспортировать наборы: {0}</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n preset(s) to {0}.</source>
        <translation>
            <numerusform>Экспортирован %n набор в {0}.</numerusform>
            <numerusform>Экспортировано %n набора в {0}.</numerusform>
            <numerusform>Экспортировано %n наборов в {0}.</numerusform>
        </translation>
    </message>
    <message>
        <source>The presets could not be imported: {0}</source>
        <translation>Не удалось импортировать наборы: {0}</translation>
    </message>
    <message numerus="yes">
        <source>Imported %n preset(s).</source>
        <translation>
            <numerusform>Импортирован %n набор.</numerusform>
            <numerusform>Импортировано %n набора.</numerusform>
            <numerusform>Импортировано %n наборов.</numerusform>
        </translation>
    </message>
    <message>
        <source>Skipped: {0}.</source>
        <translation>Пропущено: {0}.</translation>
    </message>
    <message>
        <source>Save preset</source>
        <translation>Сохранить набор</translation>
    </message>
    <message>
        <source>Name of the preset:</source>
        <translation>Название набора:</translation>
    </message>
    <message>
        <source>Rename preset</source>
        <translation>Переименовать набор</translation>
    </message>
    <message>
        <source>New name of “{0}”:</source>
        <translation>Новое название набора «{0}»:</translation>
    </message>
    <message>
        <source>Export presets</source>
        <translation>Экспорт наборов</translation>
    </message>
    <message>
        <source>Import presets</source>
        <translation>Импорт наборов</translation>
    </message>
    <message>
        <source>Presets</source>
        <translation>Наборы</translation>
    </message>
    <message>
        <source>Save the values of this form under a name, and use them again</source>
        <translation>Сохранить значения этой формы под именем и использовать их снова</translation>
    </message>
    <message>
        <source>No presets for this model yet</source>
        <translation>У этой модели пока нет наборов</translation>
    </message>
    <message>
        <source>{0} (default)</source>
        <translation>{0} (по умолчанию)</translation>
    </message>
    <message>
        <source>Save values as…</source>
        <translation>Сохранить значения как…</translation>
    </message>
    <message>
        <source>Update “{0}”</source>
        <translation>Обновить «{0}»</translation>
    </message>
    <message>
        <source>Rename “{0}”…</source>
        <translation>Переименовать «{0}»…</translation>
    </message>
    <message>
        <source>Delete “{0}”</source>
        <translation>Удалить «{0}»</translation>
    </message>
    <message>
        <source>Stop starting the form with “{0}”</source>
        <translation>Не начинать форму с «{0}»</translation>
    </message>
    <message>
        <source>Start the form with “{0}”</source>
        <translation>Начинать форму с «{0}»</translation>
    </message>
    <message>
        <source>Export this model&apos;s presets…</source>
        <translation>Экспортировать наборы этой модели…</translation>
    </message>
    <message>
        <source>Import presets…</source>
        <translation>Импортировать наборы…</translation>
    </message>
</context>
<context>
    <name>PriceEditor</name>
    <message>
        <source>%1: a price cannot be negative (%2). Enter 0 or more dollars.</source>
        <translation>%1: цена не может быть отрицательной (%2). Введите 0 или больше долларов.</translation>
    </message>
    <message>
        <source>%1: the price is empty. Enter dollars as a number, 0 or more.</source>
        <translation>%1: цена не указана. Введите сумму в долларах числом, 0 или больше.</translation>
    </message>
    <message>
        <source>%1: “%2” is not a price. Enter dollars as a number, 0 or more (e.g. 0.000225).</source>
        <translation>%1: «%2» — не цена. Введите сумму в долларах числом, 0 или больше (например 0.000225).</translation>
    </message>
    <message>
        <source>Your own price (not in the shipped table)</source>
        <translation>Ваша собственная цена (её нет в поставляемой таблице)</translation>
    </message>
    <message>
        <source>Changed; shipped price: %1</source>
        <translation>Изменена; поставляемая цена: %1</translation>
    </message>
</context>
<context>
    <name>PricesDialog</name>
    <message>
        <source>Prices and hardware</source>
        <translation>Цены и оборудование</translation>
    </message>
    <message>
        <source>Replicate does not report what a run costs: every cost the app shows is an estimate from these prices.
The prices shipped with the app were taken on %1 from replicate.com/pricing and the official
models&apos; pages. Change any that no longer hold: changed prices are in bold.</source>
        <translation>Replicate не сообщает, сколько стоит запуск: все расходы в приложении — оценки по этим ценам.
Цены, поставляемые с приложением, взяты %1 с replicate.com/pricing и страниц официальных
моделей. Измените те, что устарели: изменённые цены выделены жирным.</translation>
    </message>
    <message>
        <source>Prices apply to runs from now on, to estimates, and to earlier runs that had no price.
Runs priced before keep their cost.</source>
        <translation>Цены применяются к запускам с этого момента, к оценкам и к прежним запускам, у которых не было цены.
Запуски, оценённые раньше, сохраняют свою стоимость.</translation>
    </message>
    <message>
        <source>Reset to shipped prices</source>
        <translation>Вернуть поставляемые цены</translation>
    </message>
    <message>
        <source>Show the prices of %1 again; Save keeps them</source>
        <translation>Снова показать цены от %1; «Сохранить» сохранит их</translation>
    </message>
    <message>
        <source>Hardware: billed per second of compute (community models)</source>
        <translation>Оборудование: оплата за секунду вычислений (модели сообщества)</translation>
    </message>
    <message>
        <source>Which hardware each community model runs on</source>
        <translation>На каком оборудовании работает каждая модель сообщества</translation>
    </message>
    <message>
        <source>Replicate&apos;s API does not say; the model&apos;s page on replicate.com does.
Runs of a model whose hardware is not known have no price.</source>
        <translation>API Replicate этого не сообщает; это указано на странице модели на replicate.com.
У запусков модели с неизвестным оборудованием нет цены.</translation>
    </message>
    <message>
        <source>Official models: billed per output</source>
        <translation>Официальные модели: оплата за результат</translation>
    </message>
</context>
<context>
    <name>ProgressPanel</name>
    <message>
        <source>%1 in %2 s (model time)</source>
        <translation>%1 за %2 с (время модели)</translation>
    </message>
    <message>
        <source>%1 after %2 s</source>
        <translation>%1 через %2 с</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <source>Failed after %1 s</source>
        <translation>Сбой через %1 с</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Сбой</translation>
    </message>
    <message>
        <source>Ready</source>
        <translation>Готов к работе</translation>
    </message>
    <message>
        <source>Show or hide the model&apos;s logs</source>
        <translation>Показать или скрыть журнал модели</translation>
    </message>
    <message>
        <source>Logs ▾</source>
        <translation>Журнал ▾</translation>
    </message>
    <message>
        <source>Logs ▸</source>
        <translation>Журнал ▸</translation>
    </message>
    <message>
        <source>%1%2 · %3 s</source>
        <translation>%1%2 · %3 с</translation>
    </message>
    <message>
        <source>Generating: %1 % (from model logs)</source>
        <translation>Генерация: %1 % (по журналу модели)</translation>
    </message>
    <message>
        <source>Polling: attempt %1 of %2</source>
        <translation>Опрос: попытка %1 из %2</translation>
    </message>
    <message>
        <source>Waiting for the model… %1 s</source>
        <translation>Ожидание модели… %1 с</translation>
    </message>
    <message>
        <source>Streaming… %1 s</source>
        <translation>Получение ответа… %1 с</translation>
    </message>
    <message>
        <source>Starting… %1 s</source>
        <translation>Запуск… %1 с</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>Запуск</translation>
    </message>
    <message>
        <source>Processing</source>
        <translation>Выполняется</translation>
    </message>
    <message>
        <source>Succeeded</source>
        <translation>Выполнено</translation>
    </message>
    <message>
        <source>Canceled</source>
        <translation>Отменено</translation>
    </message>
    <message>
        <source>Aborted</source>
        <translation>Прервано</translation>
    </message>
</context>
<context>
    <name>QueueEntry</name>
    <message>
        <source>&amp;Queue</source>
        <translation>&amp;Очередь</translation>
    </message>
    <message>
        <source>Show the queue</source>
        <translation>Показать очередь</translation>
    </message>
    <message>
        <source>Add to queue…</source>
        <translation>Добавить в очередь…</translation>
    </message>
    <message>
        <source>Compare models…</source>
        <translation>Сравнить модели…</translation>
    </message>
    <message>
        <source>Prices and hardware…</source>
        <translation>Цены и оборудование…</translation>
    </message>
    <message>
        <source>The prices costs are estimated from, and the hardware each community model runs on</source>
        <translation>Цены, по которым оцениваются расходы, и оборудование, на котором работает каждая модель сообщества</translation>
    </message>
    <message>
        <source>The queue is not kept this session: %1</source>
        <translation>Очередь в этом сеансе не сохраняется: %1</translation>
    </message>
    <message numerus="yes">
        <source>The queue goes on with %n job(s) left from the last session.</source>
        <translation>
            <numerusform>Очередь продолжает работу: осталось %n задание с прошлого сеанса.</numerusform>
            <numerusform>Очередь продолжает работу: осталось %n задания с прошлого сеанса.</numerusform>
            <numerusform>Очередь продолжает работу: осталось %n заданий с прошлого сеанса.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>QueuePanel</name>
    <message>
        <source>Queued</source>
        <translation>В очереди</translation>
    </message>
    <message>
        <source>Starting</source>
        <translation>Запуск</translation>
    </message>
    <message>
        <source>Running</source>
        <translation>Выполняется</translation>
    </message>
    <message>
        <source>Done</source>
        <translation>Готово</translation>
    </message>
    <message>
        <source>Failed</source>
        <translation>Сбой</translation>
    </message>
    <message>
        <source>Canceled</source>
        <translation>Отменено</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Job</source>
        <translation>Задание</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Состояние</translation>
    </message>
    <message>
        <source>Progress</source>
        <translation>Прогресс</translation>
    </message>
    <message>
        <source>Compute</source>
        <translation>Вычисления</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Стоимость</translation>
    </message>
    <message>
        <source>Add…</source>
        <translation>Добавить…</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>Пауза</translation>
    </message>
    <message>
        <source>Cancel selected</source>
        <translation>Отменить выбранные</translation>
    </message>
    <message>
        <source>Cancel all</source>
        <translation>Отменить все</translation>
    </message>
    <message>
        <source>Retry failed</source>
        <translation>Повторить неудачные</translation>
    </message>
    <message>
        <source>Show batch</source>
        <translation>Показать пакет</translation>
    </message>
    <message>
        <source>Move up</source>
        <translation>Выше</translation>
    </message>
    <message>
        <source>Move down</source>
        <translation>Ниже</translation>
    </message>
    <message>
        <source>Spending…</source>
        <translation>Расходы…</translation>
    </message>
    <message>
        <source>What the runs cost, by day, model or batch</source>
        <translation>Сколько стоили запуски: по дням, моделям или пакетам</translation>
    </message>
    <message>
        <source>How many jobs run at once</source>
        <translation>Сколько заданий выполняется одновременно</translation>
    </message>
    <message>
        <source>no budget</source>
        <translation>без бюджета</translation>
    </message>
    <message>
        <source>A soft monthly budget: the queue warns when spending passes it</source>
        <translation>Мягкий месячный бюджет: очередь предупреждает, когда расходы его превышают</translation>
    </message>
    <message>
        <source>At once:</source>
        <translation>Одновременно:</translation>
    </message>
    <message>
        <source>Budget a month:</source>
        <translation>Бюджет на месяц:</translation>
    </message>
    <message>
        <source>Over budget: %1</source>
        <translation>Бюджет превышен: %1</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>Продолжить</translation>
    </message>
    <message>
        <source>%1 jobs: %2 done, %3 failed · compute %4 s · cost $%5</source>
        <translation>Заданий: %1, готово %2, с ошибкой %3 · вычисления %4 с · стоимость $%5</translation>
    </message>
</context>
<context>
    <name>QueueWiring</name>
    <message>
        <source>Queue</source>
        <translation>Очередь</translation>
    </message>
    <message>
        <source>Fix the parameters before adding to the queue: %1</source>
        <translation>Исправьте параметры, прежде чем добавлять в очередь: %1</translation>
    </message>
    <message>
        <source>Cannot open %1: %2</source>
        <translation>Не удалось открыть %1: %2</translation>
    </message>
</context>
<context>
    <name>SeedEditor</name>
    <message>
        <source>Random</source>
        <translation>Случайный</translation>
    </message>
    <message>
        <source>Randomise</source>
        <translation>Выбрать случайно</translation>
    </message>
    <message>
        <source>Pick a new random seed now</source>
        <translation>Сразу выбрать новый случайный сид</translation>
    </message>
    <message>
        <source>Lock</source>
        <translation>Закрепить</translation>
    </message>
    <message>
        <source>Keep this seed for the next runs; unlocked, each run gets a new random seed</source>
        <translation>Оставить этот сид для следующих запусков; без закрепления каждый запуск получает новый случайный сид</translation>
    </message>
</context>
<context>
    <name>SelectionActions</name>
    <message numerus="yes">
        <source>Restored %n output(s).</source>
        <translation>
            <numerusform>Восстановлен %n результат.</numerusform>
            <numerusform>Восстановлено %n результата.</numerusform>
            <numerusform>Восстановлено %n результатов.</numerusform>
        </translation>
    </message>
    <message>
        <source>Too late to undo: those files are gone.</source>
        <translation>Слишком поздно для отмены: эти файлы уже удалены.</translation>
    </message>
    <message>
        <source>Copied the picture.</source>
        <translation>Изображение скопировано.</translation>
    </message>
    <message numerus="yes">
        <source>Copied %n file path(s).</source>
        <translation>
            <numerusform>Скопирован %n путь к файлу.</numerusform>
            <numerusform>Скопировано %n пути к файлам.</numerusform>
            <numerusform>Скопировано %n путей к файлам.</numerusform>
        </translation>
    </message>
    <message>
        <source>Select the outputs to export first.</source>
        <translation>Сначала выделите результаты для экспорта.</translation>
    </message>
    <message>
        <source>Export the selection into folder</source>
        <translation>Экспортировать выделенное в папку</translation>
    </message>
    <message numerus="yes">
        <source>Exported %n file(s) to {0}.</source>
        <translation>
            <numerusform>Экспортирован %n файл в {0}.</numerusform>
            <numerusform>Экспортировано %n файла в {0}.</numerusform>
            <numerusform>Экспортировано %n файлов в {0}.</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SendToFlow</name>
    <message>
        <source>Only outputs kept in the history can be sent on; this one is not.</source>
        <translation>Дальше можно отправить только результаты, сохранённые в истории; этот не сохранён.</translation>
    </message>
    <message>
        <source>Your models that take a picture</source>
        <translation>Ваши модели, принимающие картинку</translation>
    </message>
    <message>
        <source>None known yet: choose a model once to learn its inputs</source>
        <translation>Пока неизвестны: выберите модель хотя бы раз, чтобы узнать её входы</translation>
    </message>
    <message>
        <source>Upscale and remove the background</source>
        <translation>Увеличение и удаление фона</translation>
    </message>
    <message>
        <source>Sending the picture to {0}…</source>
        <translation>Картинка отправляется в {0}…</translation>
    </message>
    <message>
        <source>{0} finished; its result is kept with the picture it was made from.</source>
        <translation>{0} закончила; результат сохранён вместе с картинкой, из которой он сделан.</translation>
    </message>
    <message>
        <source>Stopped; the prediction was canceled on Replicate.</source>
        <translation>Остановлено; предсказание отменено на Replicate.</translation>
    </message>
    <message>
        <source>Wait for the running reply to finish (or stop it) before sending an output on.</source>
        <translation>Дождитесь окончания текущего ответа (или остановите его), прежде чем отправлять результат дальше.</translation>
    </message>
    <message>
        <source>{0} could not run: {1}</source>
        <translation>{0} не удалось запустить: {1}</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>Settings</source>
        <translation>Настройки</translation>
    </message>
    <message>
        <source>Paste a new token to replace the current one</source>
        <translation>Вставьте новый токен, чтобы заменить текущий</translation>
    </message>
    <message>
        <source>Remove the stored token</source>
        <translation>Удалить сохранённый токен</translation>
    </message>
    <message>
        <source>Current token: {source}. Stored in {backend}. &lt;a href=&quot;{url}&quot;&gt;Create a token&lt;/a&gt;</source>
        <translation>Текущий токен: {source}. Хранилище: {backend}. &lt;a href=&quot;{url}&quot;&gt;Создать токен&lt;/a&gt;</translation>
    </message>
    <message>
        <source>API token</source>
        <translation>API-токен</translation>
    </message>
    <message>
        <source>API base URL</source>
        <translation>Базовый URL API</translation>
    </message>
    <message>
        <source>none (e.g. http://proxy.example:3128)</source>
        <translation>нет (например, http://proxy.example:3128)</translation>
    </message>
    <message>
        <source>Proxy</source>
        <translation>Прокси</translation>
    </message>
    <message>
        <source> s</source>
        <translation> с</translation>
    </message>
    <message>
        <source>Poll delay</source>
        <translation>Интервал опроса</translation>
    </message>
    <message>
        <source>Max poll attempts</source>
        <translation>Макс. попыток опроса</translation>
    </message>
    <message>
        <source>none (e.g. 10m or 1h30m)</source>
        <translation>нет (например, 10m или 1h30m)</translation>
    </message>
    <message>
        <source>Replicate stops each run after this long. A run still queued then is aborted and not charged; a running one is canceled and charged for the time it ran.</source>
        <translation>Replicate остановит каждый запуск по истечении этого срока. Запуск, ещё ждущий в очереди, прерывается и не оплачивается; работающий отменяется и оплачивается за отработанное время.</translation>
    </message>
    <message>
        <source>Run deadline</source>
        <translation>Срок запуска</translation>
    </message>
    <message>
        <source>Browse…</source>
        <translation>Обзор…</translation>
    </message>
    <message>
        <source>Output folder</source>
        <translation>Папка для результатов</translation>
    </message>
    <message>
        <source>Follow the system</source>
        <translation>Как в системе</translation>
    </message>
    <message>
        <source>Light</source>
        <translation>Светлая</translation>
    </message>
    <message>
        <source>Dark</source>
        <translation>Тёмная</translation>
    </message>
    <message>
        <source>Theme</source>
        <translation>Тема</translation>
    </message>
    <message>
        <source>Language</source>
        <translation>Язык</translation>
    </message>
    <message>
        <source>A new language applies at the next start.</source>
        <translation>Новый язык вступит в силу при следующем запуске.</translation>
    </message>
    <message>
        <source>The API base URL must start with https:// (for example https://api.replicate.com/v1).</source>
        <translation>Базовый URL API должен начинаться с https:// (например, https://api.replicate.com/v1).</translation>
    </message>
    <message>
        <source>The proxy must be a URL such as http://proxy.example:3128.</source>
        <translation>Прокси должен быть URL-адресом, например http://proxy.example:3128.</translation>
    </message>
    <message>
        <source>The run deadline must be a duration such as 90s, 10m or 1h30m, at least 5 seconds (or empty for none).</source>
        <translation>Срок запуска должен быть длительностью вида 90s, 10m или 1h30m, не меньше 5 секунд (или пустым — без срока).</translation>
    </message>
    <message>
        <source>The token must not contain spaces.</source>
        <translation>Токен не должен содержать пробелов.</translation>
    </message>
</context>
<context>
    <name>SpendView</name>
    <message>
        <source>Spending</source>
        <translation>Расходы</translation>
    </message>
    <message>
        <source>By day</source>
        <translation>По дням</translation>
    </message>
    <message>
        <source>By model</source>
        <translation>По моделям</translation>
    </message>
    <message>
        <source>By batch</source>
        <translation>По пакетам</translation>
    </message>
    <message>
        <source>Prices and hardware…</source>
        <translation>Цены и оборудование…</translation>
    </message>
    <message>
        <source>The prices these costs are estimated from, and the hardware each community model runs on</source>
        <translation>Цены, по которым оценены эти расходы, и оборудование, на котором работает каждая модель сообщества</translation>
    </message>
    <message>
        <source>Day</source>
        <translation>День</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>Модель</translation>
    </message>
    <message>
        <source>Batch</source>
        <translation>Пакет</translation>
    </message>
    <message>
        <source>Runs</source>
        <translation>Запуски</translation>
    </message>
    <message>
        <source>Seconds</source>
        <translation>Секунды</translation>
    </message>
    <message>
        <source>Cost</source>
        <translation>Стоимость</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Чат</translation>
    </message>
    <message>
        <source>(+%1 unpriced)</source>
        <translation>(+%1 без цены)</translation>
    </message>
    <message>
        <source>%1 runs, %2 in all</source>
        <translation>Запусков: %1, всего %2</translation>
    </message>
    <message>
        <source>Costs are estimates from the app&apos;s prices; Replicate does not report them.</source>
        <translation>Расходы — оценки по ценам приложения; Replicate их не сообщает.</translation>
    </message>
    <message numerus="yes">
        <source>%n run(s) have no price: say which hardware their model runs on in Prices and hardware.</source>
        <translation>
            <numerusform>У %n запуска нет цены: укажите оборудование его модели в окне «Цены и оборудование».</numerusform>
            <numerusform>У %n запусков нет цены: укажите оборудование их моделей в окне «Цены и оборудование».</numerusform>
            <numerusform>У %n запусков нет цены: укажите оборудование их моделей в окне «Цены и оборудование».</numerusform>
        </translation>
    </message>
</context>
<context>
    <name>SummaryPage</name>
    <message>
        <source>This is what will happen when you start:</source>
        <translation>Вот что произойдёт после запуска:</translation>
    </message>
</context>
<context>
    <name>ThumbnailStrip</name>
    <message>
        <source>Image {0} of {1}</source>
        <translation>Изображение {0} из {1}</translation>
    </message>
</context>
<context>
    <name>TokenPanel</name>
    <message>
        <source>No token yet. Paste one above to start.</source>
        <translation>Токена пока нет. Вставьте его выше, чтобы начать.</translation>
    </message>
    <message>
        <source>Checking the token with Replicate…</source>
        <translation>Проверка токена в Replicate…</translation>
    </message>
    <message>
        <source>Connect your Replicate account</source>
        <translation>Подключите аккаунт Replicate</translation>
    </message>
    <message>
        <source>Replicate Desktop needs an API token. &lt;a href=&quot;{url}&quot;&gt;Create one on replicate.com&lt;/a&gt; and paste it here — it is kept in your system keyring. Or set &lt;code&gt;REPLICATE_API_TOKEN&lt;/code&gt; before starting the app.</source>
        <translation>Для работы Replicate Desktop нужен API-токен. &lt;a href=&quot;{url}&quot;&gt;Создайте его на replicate.com&lt;/a&gt; и вставьте сюда — он хранится в системной связке ключей. Или задайте &lt;code&gt;REPLICATE_API_TOKEN&lt;/code&gt; перед запуском приложения.</translation>
    </message>
    <message>
        <source>r8_…</source>
        <translation>r8_…</translation>
    </message>
    <message>
        <source>Replicate API token</source>
        <translation>API-токен Replicate</translation>
    </message>
    <message>
        <source>Save token</source>
        <translation>Сохранить токен</translation>
    </message>
    <message>
        <source>Paste your token first.</source>
        <translation>Сначала вставьте токен.</translation>
    </message>
    <message>
        <source>A token has no spaces in it; check what was pasted.</source>
        <translation>В токене не бывает пробелов; проверьте, что вы вставили.</translation>
    </message>
</context>
<context>
    <name>TrainerPage</name>
    <message>
        <source>Choose a trainer: a model that fine-tunes a new version from your photos. Pick one below or type owner/name:version.</source>
        <translation>Выберите тренер — модель, которая дообучает новую версию на ваших фотографиях. Выберите из списка или введите владелец/имя:версия.</translation>
    </message>
    <message>
        <source>Load its form</source>
        <translation>Загрузить форму</translation>
    </message>
</context>
<context>
    <name>TrainingEntry</name>
    <message>
        <source>Train a model…</source>
        <translation>Обучить модель…</translation>
    </message>
    <message>
        <source>Trainings</source>
        <translation>Обучения</translation>
    </message>
    <message>
        <source>Trainings running now and the past ones</source>
        <translation>Идущие сейчас и прошлые обучения</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>Training %1 into %2</source>
        <translation>Обучение %1 в %2</translation>
    </message>
    <message>
        <source>Preparing…</source>
        <translation>Подготовка…</translation>
    </message>
    <message>
        <source>Cancel training</source>
        <translation>Отменить обучение</translation>
    </message>
    <message>
        <source>Canceling…</source>
        <translation>Отмена…</translation>
    </message>
    <message>
        <source>Packing the photos…</source>
        <translation>Упаковка фотографий…</translation>
    </message>
    <message>
        <source>Uploading the photos…</source>
        <translation>Загрузка фотографий…</translation>
    </message>
    <message>
        <source>The photos are on Replicate.</source>
        <translation>Фотографии загружены в Replicate.</translation>
    </message>
    <message>
        <source>Created the model %1.</source>
        <translation>Создана модель %1.</translation>
    </message>
    <message>
        <source>Picked up again after a restart: %1</source>
        <translation>Снова отслеживается после перезапуска: %1</translation>
    </message>
    <message>
        <source>Started: %1</source>
        <translation>Запущено: %1</translation>
    </message>
    <message>
        <source>Done: %1 is in the model picker.</source>
        <translation>Готово: %1 добавлена в выбор модели.</translation>
    </message>
    <message>
        <source>Canceled on Replicate.</source>
        <translation>Отменено в Replicate.</translation>
    </message>
    <message>
        <source>Canceled.</source>
        <translation>Отменено.</translation>
    </message>
    <message>
        <source>Still training on Replicate; followed again at the next start.</source>
        <translation>Обучение продолжается в Replicate; отслеживание возобновится при следующем запуске.</translation>
    </message>
</context>
<context>
    <name>TrainingWiring</name>
    <message>
        <source>Trainings</source>
        <translation>Обучения</translation>
    </message>
    <message>
        <source>Replicate Desktop</source>
        <translation>Replicate Desktop</translation>
    </message>
    <message>
        <source>The training finished: %1 is ready in the model picker.</source>
        <translation>Обучение завершено: %1 доступна в выборе модели.</translation>
    </message>
    <message>
        <source>The training failed: %1</source>
        <translation>Обучение не удалось: %1</translation>
    </message>
    <message>
        <source>The training was canceled.</source>
        <translation>Обучение отменено.</translation>
    </message>
    <message>
        <source>Training: %1</source>
        <translation>Обучение: %1</translation>
    </message>
    <message>
        <source>Inputs: %1</source>
        <translation>Параметры: %1</translation>
    </message>
    <message>
        <source>Result: %1</source>
        <translation>Результат: %1</translation>
    </message>
</context>
<context>
    <name>TrainingWizard</name>
    <message>
        <source>Train a model</source>
        <translation>Обучить модель</translation>
    </message>
    <message>
        <source>Reading the trainer&apos;s form…</source>
        <translation>Чтение формы тренера…</translation>
    </message>
    <message>
        <source>%1 trains. Cost: %2</source>
        <translation>%1 умеет обучать. Стоимость: %2</translation>
    </message>
    <message>
        <source>Its cost cannot be estimated.</source>
        <translation>Стоимость оценить нельзя.</translation>
    </message>
    <message>
        <source>Looking at the photos…</source>
        <translation>Просмотр фотографий…</translation>
    </message>
    <message>
        <source>None of the photos can be decoded.</source>
        <translation>Ни одну из фотографий не удаётся прочитать.</translation>
    </message>
    <message>
        <source>%1 photos, %2 MB to upload (%3 with captions).</source>
        <translation>Фотографий: %1, к загрузке %2 МБ (с подписями: %3).</translation>
    </message>
    <message>
        <source>%1 were made smaller (from %2 MB in all).</source>
        <translation>Уменьшено: %1 (исходно всего %2 МБ).</translation>
    </message>
    <message>
        <source>%1 files are left out (listed below).</source>
        <translation>Пропущено файлов: %1 (список ниже).</translation>
    </message>
    <message>
        <source>The cost is an estimate: Replicate bills the time the training really takes. Nothing is paid until you start.</source>
        <translation>Стоимость — оценка: Replicate берёт плату за реальное время обучения. Пока вы не нажмёте «Начать», ничего не оплачивается.</translation>
    </message>
    <message>
        <source>Some training inputs need fixing first (marked below).</source>
        <translation>Некоторые параметры обучения нужно исправить (отмечены ниже).</translation>
    </message>
    <message>
        <source>Give the URL of a zip of photos.</source>
        <translation>Укажите URL zip-архива с фотографиями.</translation>
    </message>
    <message>
        <source>The photos are still being read; wait a moment.</source>
        <translation>Фотографии ещё читаются; подождите немного.</translation>
    </message>
    <message>
        <source>Choose a folder or files of photos first.</source>
        <translation>Сначала выберите папку или файлы с фотографиями.</translation>
    </message>
    <message>
        <source>&lt; Back</source>
        <translation>&lt; Назад</translation>
    </message>
    <message>
        <source>Next &gt;</source>
        <translation>Далее &gt;</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>Отмена</translation>
    </message>
    <message>
        <source>Step 1 of 4: the trainer</source>
        <translation>Шаг 1 из 4: тренер</translation>
    </message>
    <message>
        <source>Step 2 of 4: the photos</source>
        <translation>Шаг 2 из 4: фотографии</translation>
    </message>
    <message>
        <source>Step 3 of 4: where the new version goes</source>
        <translation>Шаг 3 из 4: куда поместить новую версию</translation>
    </message>
    <message>
        <source>Step 4 of 4: check and start</source>
        <translation>Шаг 4 из 4: проверка и запуск</translation>
    </message>
    <message>
        <source>Start training</source>
        <translation>Начать обучение</translation>
    </message>
    <message>
        <source>Choose the photos</source>
        <translation>Выберите фотографии</translation>
    </message>
    <message>
        <source>Photos (%1)</source>
        <translation>Фотографии (%1)</translation>
    </message>
</context>
<context>
    <name>TrainingsDock</name>
    <message>
        <source>Past trainings</source>
        <translation>Прошлые обучения</translation>
    </message>
    <message>
        <source>No trainings yet.</source>
        <translation>Обучений пока нет.</translation>
    </message>
</context>
<context>
    <name>TranscriptView</name>
    <message>
        <source>You</source>
        <translation>Вы</translation>
    </message>
    <message>
        <source>Assistant</source>
        <translation>Ассистент</translation>
    </message>
    <message>
        <source>Stopped</source>
        <translation>Остановлено</translation>
    </message>
    <message>
        <source>The request failed.</source>
        <translation>Запрос не удался.</translation>
    </message>
    <message>
        <source>Copy</source>
        <translation>Копировать</translation>
    </message>
    <message>
        <source>Regenerate</source>
        <translation>Сгенерировать заново</translation>
    </message>
    <message>
        <source>%1 s</source>
        <translation>%1 с</translation>
    </message>
    <message>
        <source>Image %1</source>
        <translation>Изображение %1</translation>
    </message>
    <message>
        <source>Retry</source>
        <translation>Повторить</translation>
    </message>
    <message>
        <source>Open settings</source>
        <translation>Открыть настройки</translation>
    </message>
</context>
<context>
    <name>UndoBar</name>
    <message numerus="yes">
        <source>Deleted %n output(s).</source>
        <translation>
            <numerusform>Удалён %n результат.</numerusform>
            <numerusform>Удалено %n результата.</numerusform>
            <numerusform>Удалено %n результатов.</numerusform>
        </translation>
    </message>
    <message>
        <source>Undo ({0} s)</source>
        <translation>Отменить ({0} с)</translation>
    </message>
</context>
<context>
    <name>app</name>
    <message>
        <source>History is off for this session: {}</source>
        <translation>История отключена в этом сеансе: {}</translation>
    </message>
</context>
<context>
    <name>widget</name>
    <message>
        <source>Starting (waiting for a machine)…</source>
        <translation>Запуск (ожидание машины)…</translation>
    </message>
    <message>
        <source>Training…</source>
        <translation>Обучение…</translation>
    </message>
    <message>
        <source>Succeeded.</source>
        <translation>Успешно.</translation>
    </message>
    <message>
        <source>Failed.</source>
        <translation>Ошибка.</translation>
    </message>
    <message>
        <source>Canceled.</source>
        <translation>Отменено.</translation>
    </message>
</context>
</TS>
